// The health check behind `doctor`: credentials, both APIs, the lock, the state, the watermark's age, and what
// waits for the next import, one finding each.
export {doctor, type DoctorReport} from './doctor.js'

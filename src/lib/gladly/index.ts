// Everything that reads from Gladly: the budgeted HTTP client, the codecs, the calls.
export {createBudget, type Budget} from './budget.js'
export {createGladlyHttp, type GladlyConnection, type GladlyHttp, type RequestStats} from './http.js'
export {getOrganization} from './client.js'
export type {GladlyError} from './errors.js'

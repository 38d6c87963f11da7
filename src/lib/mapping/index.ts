// The field-mapping file (IMPORT_MAPPING_FILE): read, checked with io-ts, and compiled for the transform and the pipeline.
export {loadMappingFile, type Mapping} from './file.js'

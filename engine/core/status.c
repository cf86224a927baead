/*
** status.c — the text of status codes and severities.
*/
#include "core/core.h"

const char *ibmap_status_str(ibmap_status status)
{
    switch (status) {
    case IBMAP_OK: return "ok";
    case IBMAP_ERR_NOMEM: return "out of memory";
    case IBMAP_ERR_ARG: return "invalid argument";
    case IBMAP_ERR_INTERNAL: return "internal error (a bug in ibmap)";
    case IBMAP_ERR_INTERRUPTED: return "interrupted";
    case IBMAP_ERR_OPEN: return "source could not be opened";
    case IBMAP_ERR_READ: return "source could not be read";
    case IBMAP_ERR_WRITE: return "output could not be written";
    case IBMAP_ERR_NO_LAYER: return "layer not found in source";
    case IBMAP_ERR_FILTER: return "attribute filter refused";
    case IBMAP_ERR_EXISTS: return "output exists (overwrite not asked for)";
    case IBMAP_ERR_PROJECT_SYNTAX: return "project file is not valid YAML";
    case IBMAP_ERR_PROJECT_KEY: return "unknown key in project";
    case IBMAP_ERR_PROJECT_VALUE: return "bad value in project";
    case IBMAP_ERR_ROLE_MISSING: return "required input layer not given";
    case IBMAP_ERR_CRS_UNKNOWN: return "coordinate reference system unknown";
    case IBMAP_ERR_CRS_INVALID: return "coordinate reference system not understood";
    case IBMAP_ERR_CRS_TRANSFORM: return "coordinates could not be transformed";
    case IBMAP_ERR_GEOMETRY: return "geometry operation failed";
    case IBMAP_ERR_FIELD_MISSING: return "required field missing";
    case IBMAP_ERR_CODE_SYSTEM: return "land-use codes contradict the declared code system";
    case IBMAP_ERR_ENCODING: return "text could not be decoded";
    case IBMAP_ERR_LAYER_REJECTED: return "a layer failed a data-quality gate";
    case IBMAP_ERR_RULES_SYNTAX: return "rules file is malformed";
    case IBMAP_ERR_RULES_NAME: return "unknown name in rules";
    case IBMAP_ERR_RULES_DENIED: return "rule expression not allowed";
    case IBMAP_ERR_RULES_DEFAULT: return "rules lack a closing default rule";
    }
    return "unknown status";
}

const char *ibmap_severity_str(ibmap_severity severity)
{
    switch (severity) {
    case IBMAP_SEV_INFO: return "info";
    case IBMAP_SEV_WARNING: return "warning";
    case IBMAP_SEV_ERROR: return "error";
    }
    return "unknown";
}

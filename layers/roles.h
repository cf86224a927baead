/*
** roles.h — the role definitions of layers/: what each input role is and
** the canonical fields it accepts.  layers/ depends on this header and the
** public ibmap.h only; the engine reads the registry through it.
*/
#ifndef IBMAP_ROLES_H
#define IBMAP_ROLES_H

#include "ibmap.h"

typedef struct ibmap_role_def {
    ibmap_role role;
    const char *name;          /* "blocks" */
    const char *label_zh;      /* "工业区块" */
    const char *description;   /* one line, English */
    int required;              /* the project must give this role */
    const ibmap_field_info *fields;
    int n_fields;
} ibmap_role_def;

const ibmap_role_def *ibmap_role_def_get(ibmap_role role);

/* Match one source field name against a canonical field's accepted names.
** Returns 2 for an exact (case-insensitive) match, 1 for a match with a
** name that the DBF format cut to 10 bytes (in UTF-8 or GBK), 0 for none. */
int ibmap_field_name_matches(const ibmap_field_info *field,
                             const char *source_name);

#endif /* IBMAP_ROLES_H */

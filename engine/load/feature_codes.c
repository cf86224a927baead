/*
** feature_codes.c — what a feature's codes mean: the control-unit type
** (from the type field, else the category digit of its ZH code, else its
** name) and the land-use group of a land-use feature under the layer's
** code system, counting code/name pairs that belong to another system.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "load/reader.h"

/* ---------------------------------------------------------------------- */
/* Control-unit types                                                     */
/* ---------------------------------------------------------------------- */

/* Canonical control-unit types, as stored in the "type" column. */
static const char *cu_type_from_text(const char *s, const char *name)
{
    if (!s) return NULL;
    int cat = 0;
    if (strcmp(s, "1") == 0 || strstr(s, "优先保护")) cat = 1;
    else if (strcmp(s, "2") == 0 || strstr(s, "重点管控")) cat = 2;
    else if (strcmp(s, "3") == 0 || strstr(s, "一般管控")) cat = 3;
    if (cat == 1) return "priority";
    if (cat == 3) return "general";
    if (cat == 2) {
        /* 重点管控 has two kinds; the type text or the unit's name says which. */
        const char *texts[] = {s, name};
        for (int k = 0; k < 2; k++) {
            if (!texts[k]) continue;
            if (strstr(texts[k], "产业集聚") || strstr(texts[k], "工业"))
                return "key_industry";
            if (strstr(texts[k], "城镇生活")) return "key_urban";
        }
        return "key";
    }
    return NULL;
}

/* The category digit of a ZH code: ZH + 6-digit county code + 1/2/3 + serial. */
static const char *cu_type_from_code(const char *code, const char *name)
{
    if (!code || strncasecmp(code, "ZH", 2) != 0 || strlen(code) < 10) return NULL;
    for (int k = 2; k < 8; k++)
        if (!isdigit((unsigned char)code[k])) return NULL;
    char digit[2] = {code[8], '\0'};
    return cu_type_from_text(digit, name);
}

static const char *cu_type_from_name(const char *name)
{
    if (!name) return NULL;
    if (strstr(name, "优先保护")) return "priority";
    if (strstr(name, "一般管控")) return "general";
    if (strstr(name, "产业集聚")) return "key_industry";
    if (strstr(name, "城镇生活")) return "key_urban";
    if (strstr(name, "重点管控")) return "key";
    return NULL;
}

ibmap_status ibmap_reader_resolve_cu_type(layer_reader *r, int64_t i,
                                          const char *fid_text)
{
    int ft = ibmap_role_field_index(r->role, "type");
    int fc = ibmap_role_field_index(r->role, "code");
    int fn = ibmap_role_field_index(r->role, "name");
    char **type = &r->L->columns[ft].text[i];
    const char *code = r->L->columns[fc].text[i];
    const char *name = r->L->columns[fn].text[i];
    const char *t = cu_type_from_text(*type, name);
    if (t) {
        char *copy = ibmap_arena_strdup(&r->L->texts, t);
        if (!copy) return ibmap_nomem(r->ctx);
        *type = copy;
        return IBMAP_OK;
    }
    char *given = *type;
    *type = NULL;
    const char *how = "the category digit of its ZH code";
    t = cu_type_from_code(code, name);
    if (!t) {
        t = cu_type_from_name(name);
        how = "its name";
    }
    ibmap_status st;
    if (t) {
        *type = ibmap_arena_strdup(&r->L->texts, t);
        if (!*type) return ibmap_nomem(r->ctx);
        char detail[256];
        snprintf(detail, sizeof detail, "type %s taken from %s", t, how);
        st = dq(r, r->L->fid[i], fid_text, "type", "cu_type_inferred",
                IBMAP_SEV_INFO, given ? given : "", ACT_INFERRED, detail);
    } else {
        st = dq(r, r->L->fid[i], fid_text, "type", "cu_type_unknown",
                IBMAP_SEV_WARNING, given ? given : "", ACT_TYPE_UNKNOWN,
                "neither a type field, the ZH code nor the name tells the "
                "control-unit type");
    }
    return st;
}

/* ---------------------------------------------------------------------- */
/* Land-use codes                                                         */
/* ---------------------------------------------------------------------- */

ibmap_status ibmap_reader_classify_landuse(layer_reader *r, int64_t i,
                                           const char *fid_text)
{
    int fc = ibmap_role_field_index(r->role, "code");
    int fn = ibmap_role_field_index(r->role, "name");
    const char *code = r->L->columns[fc].text[i];
    const char *name = r->L->columns[fn].text[i];
    int sys = r->rs->codes >= 0 ? r->rs->codes : IBMAP_CODES_SANDIAO;
    ibmap_lu_group group = IBMAP_LU_UNKNOWN;
    const char *official = NULL;
    int other = -1;
    r->L->lu_group[i] = IBMAP_LU_UNKNOWN;
    if (!code)
        return dq(r, r->L->fid[i], fid_text, "code", "landuse_code_unknown",
                  IBMAP_SEV_ERROR, "", ACT_GROUP_UNKNOWN, "no land-use code");
    ibmap_code_check res = ibmap_landuse_classify(
        (ibmap_code_system)sys, code, name, &group, &official, &other);
    if (name && *name) r->n_named++;
    char detail[512];
    char value[256];
    snprintf(value, sizeof value, "%s %s", code, name ? name : "");
    switch (res) {
    case IBMAP_CODE_OK:
        r->L->lu_group[i] = (signed char)group;
        return IBMAP_OK;
    case IBMAP_CODE_NAME_VARIANT:
        r->L->lu_group[i] = (signed char)group;
        snprintf(detail, sizeof detail, "%s calls code %s '%s'",
                 ibmap_code_system_name((ibmap_code_system)sys), code,
                 official ? official : "?");
        return dq(r, r->L->fid[i], fid_text, "name", "landuse_name_variant",
                  IBMAP_SEV_INFO, value, ACT_CODE_DECIDES, detail);
    case IBMAP_CODE_UNKNOWN:
        snprintf(detail, sizeof detail, "code %s is not in %s", code,
                 ibmap_code_system_name((ibmap_code_system)sys));
        return dq(r, r->L->fid[i], fid_text, "code", "landuse_code_unknown",
                  IBMAP_SEV_ERROR, value, ACT_GROUP_UNKNOWN, detail);
    case IBMAP_CODE_CONFLICT:
        /* Only a pair that belongs to another system counts towards
        ** "this layer is in another system"; a code and name of two
        ** different kinds of land in the same system is a feature-level
        ** error that no choice of system would fix. */
        if (other != sys) {
            r->n_conflict++;
            snprintf(detail, sizeof detail,
                     "code %s is '%s' in %s, the declared system, but the "
                     "name '%s' is its meaning in %s",
                     code, official ? official : "?",
                     ibmap_code_system_name((ibmap_code_system)sys), name,
                     other >= 0
                         ? ibmap_code_system_name((ibmap_code_system)other)
                         : "another system");
        } else {
            snprintf(detail, sizeof detail,
                     "code %s is '%s' in %s, but the name '%s' is another "
                     "kind of land in the same system: code and name disagree",
                     code, official ? official : "?",
                     ibmap_code_system_name((ibmap_code_system)sys), name);
        }
        return dq(r, r->L->fid[i], fid_text, "code", "landuse_code_conflict",
                  IBMAP_SEV_ERROR, value, ACT_GROUP_UNKNOWN, detail);
    }
    return IBMAP_OK;
}

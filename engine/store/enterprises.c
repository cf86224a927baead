/*
** enterprises.c — the enterprises of the workspace (亩均论英雄 judges
** enterprises first, blocks through them: 慈政办发〔2021〕31号 一、(三),
** 二、(六)).
**
** An enterprise is its unified social credit code, else its name, else the
** parcel itself; it may hold several parcels in several blocks.  Written
** with the workspace, from what it already holds (layer_parcels,
** block_metrics) and the parcel → block assignment:
**   enterprise_parcels(parcel_index, parcel_id, ent_index, block_index,
**                      land_mu)    the link; block_index is the parcel's
**                                  block (NULL outside every block)
**   enterprises(ent_index, <the columns of overlay/enterprise_list.h>)
** Enterprise rules read `enterprises` (classify/enterprises.c).
*/
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

/* The six 标志性产业链 of 二、(七), by GB/T 4754-2017 code prefix: a copy of
** layers/tables/industry_chains.csv, the one source (it says why each class
** was chosen).  tests/test_enterprises.c fails when the two differ in any
** row or order: change the CSV, then this table. */
static const char *const chains[][2] = {
    {"385", "智能家电"},       {"36", "节能与新能源汽车"}, {"3451", "高端轴承"},
    {"3452", "高端轴承"},      {"3491", "智能装备"},       {"3492", "智能装备"},
    {"3493", "智能装备"},      {"342", "智能装备"},        {"4011", "智能装备"},
    {"3232", "稀土磁性材料"},  {"3254", "稀土磁性材料"},   {"3985", "稀土磁性材料"},
    {"358", "医疗器械"},
};

int ibmap_industry_chain_count(void)
{
    return (int)(sizeof chains / sizeof chains[0]);
}

const char *ibmap_industry_chain_prefix(int i)
{
    return i >= 0 && i < ibmap_industry_chain_count() ? chains[i][0] : NULL;
}

const char *ibmap_industry_chain_name(int i)
{
    return i >= 0 && i < ibmap_industry_chain_count() ? chains[i][1] : NULL;
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

/* The enterprise key of parcel i: "credit code", else "name", else
** "parcel:" id.  Trimmed; malloc'd. */
static char *enterprise_key(const ibmap_layer *P, int64_t i)
{
    char *const *credit = ibmap_layer_text_column(P, "credit_code");
    char *const *name = ibmap_layer_text_column(P, "enterprise");
    const char *c = credit ? credit[i] : NULL, *n = name ? name[i] : NULL;
    while (c && *c == ' ') c++;
    while (n && *n == ' ') n++;
    if (c && *c) return ibmap_strdup(c);
    if (n && *n) return ibmap_strdup(n);
    return ibmap_sprintf("parcel:%s", P->id[i]);
}

int ibmap_workspace_write_enterprises(struct sqlite3 *db, const ibmap_data *data,
                                      const ibmap_metrics *m)
{
    const ibmap_layer *P = data->layers[IBMAP_ROLE_PARCELS];
    int ok = exec(db,
                  "CREATE TEMP TABLE ibmap_chains(prefix TEXT, chain TEXT);"
                  "CREATE TEMP TABLE ibmap_ep(parcel_index INTEGER PRIMARY KEY,"
                  " ent_key TEXT, block_index INTEGER, land_mu REAL);"
                  "CREATE TABLE enterprise_parcels(parcel_index INTEGER PRIMARY KEY,"
                  " parcel_id TEXT, ent_index INTEGER, block_index INTEGER, land_mu REAL);");
    sqlite3_stmt *st = NULL;
    ok = ok && sqlite3_prepare_v2(db, "INSERT INTO temp.ibmap_chains VALUES (?,?)", -1, &st,
                                  NULL) == SQLITE_OK;
    for (int i = 0; ok && i < ibmap_industry_chain_count(); i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, chains[i][0], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, chains[i][1], -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    st = NULL;
    ok = ok && sqlite3_prepare_v2(db, "INSERT INTO temp.ibmap_ep VALUES (?,?,?,?)", -1, &st,
                                  NULL) == SQLITE_OK;
    for (int64_t i = 0; ok && P && i < P->n && i < m->n_parcels; i++) {
        char *key = enterprise_key(P, i);
        double mu = ibmap_parcel_land_mu(P, i);
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, i);
        if (key) sqlite3_bind_text(st, 2, key, -1, free);
        else ok = 0;
        if (m->parcel_block[i] >= 0) sqlite3_bind_int64(st, 3, m->parcel_block[i]);
        else sqlite3_bind_null(st, 3);
        if (isfinite(mu)) sqlite3_bind_double(st, 4, mu);
        else sqlite3_bind_null(st, 4);
        ok = ok && sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    ok = ok &&
         exec(db,
              /* keyed both ways: the joins below look it up by each */
              "CREATE TEMP TABLE ibmap_ek(ent_index INTEGER PRIMARY KEY, ent_id TEXT UNIQUE);"
              "INSERT INTO temp.ibmap_ek SELECT row_number() OVER (ORDER BY ent_key) - 1, ent_key"
              " FROM (SELECT DISTINCT ent_key FROM temp.ibmap_ep);"
              "INSERT INTO enterprise_parcels SELECT ep.parcel_index, l.id, ek.ent_index,"
              " ep.block_index, ep.land_mu FROM temp.ibmap_ep AS ep"
              " JOIN temp.ibmap_ek AS ek ON ek.ent_id = ep.ent_key"
              " JOIN layer_parcels AS l ON l.feature_index = ep.parcel_index"
              " ORDER BY ep.parcel_index;"
              "CREATE INDEX enterprise_parcels_ent ON enterprise_parcels(ent_index);"
              "CREATE INDEX enterprise_parcels_block ON enterprise_parcels(block_index);");
    /* Each enterprise's main block (most of its land; ties: the lower
    ** index) and its number of blocks, keyed by ent_index: as a CTE left
    ** joined below, SQLite scanned it once per enterprise (minutes at
    ** 50,000 enterprises); a table with a key is one lookup.  Likewise
    ** ibmap_ek's ent_index is its key, not a computed column. */
    ok = ok && exec(db,
                    "CREATE TEMP TABLE ibmap_mb(ent_index INTEGER PRIMARY KEY, block_index INTEGER,"
                    " n INTEGER);"
                    "INSERT INTO temp.ibmap_mb SELECT ent_index, block_index, n FROM"
                    " (SELECT ent_index, block_index, count(*) OVER (PARTITION BY ent_index) AS n,"
                    " row_number() OVER (PARTITION BY ent_index ORDER BY bmu DESC, block_index) AS k"
                    " FROM (SELECT ent_index, block_index, total(coalesce(land_mu, 0)) AS bmu"
                    " FROM enterprise_parcels WHERE block_index IS NOT NULL"
                    " GROUP BY ent_index, block_index)) WHERE k = 1;");
    /* The table, from the column list (schema.c). */
    char *ddl = ibmap_enterprises_ddl();
    ok = ok && ddl && exec(db, ddl);
    free(ddl);
    /* The chain of each industry code, found once per code rather than
    ** once per enterprise (a scan of the prefixes with LIKE and a sort):
    ** the longest prefix the code, stripped of its section letter, starts
    ** with. */
    ok = ok && exec(db,
                    "CREATE TEMP TABLE ibmap_ind_chain(ind TEXT PRIMARY KEY, chain TEXT);"
                    "INSERT INTO temp.ibmap_ind_chain SELECT d.ind, (SELECT c.chain FROM"
                    " temp.ibmap_chains AS c WHERE ltrim(upper(trim(d.ind)),"
                    " 'ABCDEFGHIJKLMNOPQRST') LIKE c.prefix || '%' ORDER BY length(c.prefix)"
                    " DESC LIMIT 1) FROM (SELECT DISTINCT f_industry AS ind FROM layer_parcels"
                    " WHERE f_industry IS NOT NULL) AS d;");
    /* The enterprises' figures, in steps that each leave a table keyed by
    ** ent_index (one statement of CTEs took 33 s at 1.5 million parcels:
    ** SQLite materialised every parcel's row twice more for the two
    ** rankings and built automatic indexes to join them back; these
    ** steps take 25 s, the same values):
    **   ibmap_p   every parcel with the figures the enterprise sums, in
    **             parcel_index order;
    **   ibmap_a   the sums per enterprise (`a` below), over ibmap_p read
    **             in that order, as before: the same sums to the bit;
    **   ibmap_r1  its largest parcel (ties: the lower index): name, credit
    **             code and industry are that parcel's (`r1`);
    **   ibmap_g1  its graded parcel: the official grade of its largest
    **             officially graded parcel, else the computed one (`g1`). */
    ok = ok &&
         exec(db,
              "CREATE TEMP TABLE ibmap_p AS SELECT ep.parcel_index, ep.ent_index,"
              " coalesce(ep.land_mu, 0) AS mu, l.f_tax AS tax, l.f_value_added AS va,"
              " l.f_revenue AS rev, l.f_energy AS en, l.f_emissions AS em,"
              " l.f_employees AS emp, l.f_rnd AS rnd, l.f_floor_m2 AS fl, l.f_grade AS grade,"
              " l.grade_computed AS gc, l.f_is_lsl AS lsl, l.f_is_small AS small"
              " FROM enterprise_parcels AS ep"
              " JOIN layer_parcels AS l ON l.feature_index = ep.parcel_index;"
              "CREATE TEMP TABLE ibmap_a(ent_index INTEGER PRIMARY KEY, n_parcels, land_mu,"
              " tax, tax_land, va, va_land, revenue, energy, emissions, employees, rnd,"
              " floor_m2, floor_land, va_e, en_v, va_m, em_v, lsl, small);"
              "INSERT INTO temp.ibmap_a SELECT ent_index, count(*), total(mu),"
              " sum(tax), total(iif(tax IS NOT NULL, mu, 0)),"
              " sum(va), total(iif(va IS NOT NULL, mu, 0)),"
              " sum(rev), sum(en), sum(em), sum(emp), sum(rnd), sum(fl),"
              " total(iif(fl IS NOT NULL, mu, 0)),"
              " sum(iif(en IS NOT NULL, va, NULL)), sum(iif(va IS NOT NULL, en, NULL)),"
              " sum(iif(em IS NOT NULL, va, NULL)), sum(iif(va IS NOT NULL, em, NULL)),"
              " max(lsl), max(small) FROM temp.ibmap_p GROUP BY ent_index;"
              "CREATE TEMP TABLE ibmap_r1(ent_index INTEGER PRIMARY KEY, parcel_index INTEGER);"
              "INSERT INTO temp.ibmap_r1 SELECT ent_index, parcel_index FROM"
              " (SELECT ent_index, parcel_index, row_number() OVER (PARTITION BY ent_index"
              " ORDER BY mu DESC, parcel_index) AS rk FROM temp.ibmap_p) WHERE rk = 1;"
              "CREATE TEMP TABLE ibmap_g1(ent_index INTEGER PRIMARY KEY, grade, gc);"
              "INSERT INTO temp.ibmap_g1 SELECT ent_index, nullif(grade, ''),"
              " CASE WHEN nullif(grade, '') IS NULL THEN NULL ELSE gc END FROM"
              " (SELECT ent_index, grade, gc, row_number() OVER (PARTITION BY ent_index"
              " ORDER BY grade IS NULL OR grade = '', gc, mu DESC, parcel_index) AS gk"
              " FROM temp.ibmap_p) WHERE gk = 1;");
    size_t cap = 8192, len = 0;
    char *sql = malloc(cap);
    if (!sql) return 0;
    len = (size_t)snprintf(sql, cap, "INSERT INTO enterprises SELECT a.ent_index");
#define ENT(name, kind, unit, zh, expr, desc) \
    len += (size_t)snprintf(sql + len, cap - len, ", %s", expr);
#include "overlay/enterprise_list.h"
#undef ENT
    /* every table joined by its key: no sort, no automatic index */
    snprintf(sql + len, cap - len,
             " FROM temp.ibmap_a AS a JOIN temp.ibmap_ek AS ek ON ek.ent_index = a.ent_index"
             " JOIN (SELECT r.ent_index, l.f_enterprise AS name, l.f_credit_code AS credit,"
             " l.f_industry AS ind FROM temp.ibmap_r1 AS r JOIN layer_parcels AS l"
             " ON l.feature_index = r.parcel_index) AS r1 ON r1.ent_index = a.ent_index"
             " JOIN temp.ibmap_g1 AS g1 ON g1.ent_index = a.ent_index"
             " LEFT JOIN temp.ibmap_mb AS mb ON mb.ent_index = a.ent_index"
             " LEFT JOIN block_metrics AS bm ON bm.block_index = mb.block_index"
             " ORDER BY a.ent_index");
    ok = ok && len < cap - 512 && exec(db, sql);
    free(sql);
    return ok && exec(db, "DROP TABLE temp.ibmap_ep; DROP TABLE temp.ibmap_ek;"
                          "DROP TABLE temp.ibmap_chains; DROP TABLE temp.ibmap_mb;"
                          "DROP TABLE temp.ibmap_ind_chain; DROP TABLE temp.ibmap_p;"
                          "DROP TABLE temp.ibmap_a; DROP TABLE temp.ibmap_r1;"
                          "DROP TABLE temp.ibmap_g1;");
}

/*
** test_metrics_table.c — the metric names are a public interface: the ones
** rules and users rely on must exist with their units, and docs/metrics.md
** must be exactly what the table in engine/overlay/metrics_list.h says.
**
** To regenerate the doc after changing the table:
**   IBMAP_WRITE_DOCS=1 build/tests/test_metrics_table
*/
#include "harness.h"
#include "ibmap.h"

TEST(fixed_names_exist_with_their_units)
{
    static const char *fixed[][2] = {
        {"area_m2", "m²"}, {"area_mu", "亩"},
        {"redline_m2", "m²"}, {"redline_share", ""},
        {"basic_farmland_m2", "m²"}, {"basic_farmland_share", ""},
        {"parks_m2", "m²"}, {"parks_share", ""},
        {"central_m2", "m²"}, {"central_share", ""},
        {"transition_m2", "m²"}, {"transition_share", ""},
        {"park_name", ""}, {"cu_type", ""}, {"cu_code", ""},
        {"cu_priority_m2", "m²"}, {"cu_key_industry_m2", "m²"},
        {"cu_key_urban_m2", "m²"}, {"cu_general_m2", "m²"},
        {"lu_industrial_m2", "m²"}, {"lu_industrial_share", ""},
        {"n_parcels", ""}, {"tax_sum", "万元"}, {"land_mu_sum", "亩"},
        {"floor_m2_sum", "m²"}, {"tax_per_mu", "万元/亩"},
        {"va_per_mu", "万元/亩"}, {"far", ""},
        {"grade_a_share", ""}, {"grade_b_share", ""}, {"grade_c_share", ""},
        {"grade_d_share", ""}, {"grade_none_share", ""},
        {"n_lsl", ""}, {"n_small", ""}, {"small_parcel_share", ""},
        {"park_distance_m", "m"}, {"metric_status", ""},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        int k = ibmap_metric_index(fixed[i][0]);
        if (k < 0) TEST_FAILF("metric %s is missing", fixed[i][0]);
        CHECK_STR(ibmap_metric(k)->unit, fixed[i][1]);
    }
}

TEST(names_are_unique_lowercase_and_described)
{
    CHECK(ibmap_metric_count() > 60);
    for (int i = 0; i < ibmap_metric_count(); i++) {
        const ibmap_metric_info *m = ibmap_metric(i);
        CHECK(m && m->name && *m->description && *m->label_zh);
        for (const char *c = m->name; *c; c++)
            CHECK((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_');
        CHECK_INT(ibmap_metric_index(m->name), i);
    }
    CHECK(ibmap_metric(-1) == NULL);
    CHECK(ibmap_metric(ibmap_metric_count()) == NULL);
    CHECK_INT(ibmap_metric_index("no_such_metric"), -1);
}

static char *render_doc(void)
{
    size_t cap = 1 << 16, len = 0;
    char *s = malloc(cap);
    len += (size_t)snprintf(s + len, cap - len,
        "# Per-block metrics\n\n"
        "Generated from `engine/overlay/metrics_list.h` by `tests/test_metrics_table.c`\n"
        "(`IBMAP_WRITE_DOCS=1 build/tests/test_metrics_table` rewrites it); do not\n"
        "edit by hand.  The names are a public interface: rules, outputs and users\n"
        "rely on them.  Shares are 0–1; 1 亩 = 10000/15 m².  Areas are in the\n"
        "working CRS.  A metric of an optional layer that was not given is empty\n"
        "(undefined), not 0; so is a rate without a denominator.\n\n"
        "| name | type | unit | 中文 | description |\n|---|---|---|---|---|\n");
    for (int i = 0; i < ibmap_metric_count(); i++) {
        const ibmap_metric_info *m = ibmap_metric(i);
        len += (size_t)snprintf(s + len, cap - len, "| `%s` | %s | %s | %s | %s |\n",
                                m->name, m->kind == IBMAP_METRIC_TEXT ? "text" : "number",
                                m->unit, m->label_zh, m->description);
    }
    len += (size_t)snprintf(s + len, cap - len, "%s",
        "\n## Rates and missing values\n\n"
        "Missing is never zero.  A parcel whose value is missing (a blank cell,\n"
        "`无`, `-`: docs/fields.md) counts in no sum and in no rate; it is not a\n"
        "parcel that paid 0.  The parcels of a block are those assigned to it\n"
        "(`parcels: majority`, each counted whole in the block it overlaps most) or\n"
        "every parcel overlapping it, each weighted by the fraction of its area\n"
        "inside the block (`parcels: apportion`).  A parcel's land is its own\n"
        "`land_mu`, else the area of its polygon.\n\n"
        "| rate | numerator | denominator | parcels that count | coverage |\n"
        "|---|---|---|---|---|\n"
        "| `tax_per_mu` | Σ tax | Σ land_mu | tax known | `tax_known_land_share` |\n"
        "| `va_per_mu` | Σ value_added | Σ land_mu | value added known | `va_known_land_share` |\n"
        "| `va_per_energy` | Σ value_added | Σ energy | value added and energy both known | `energy_known_land_share` (with `va_known_land_share`) |\n"
        "| `labour_productivity` | Σ value_added | Σ employees | value added and employees both known | `employees_known_land_share` (with `va_known_land_share`) |\n"
        "| `far` | Σ floor_m2 | Σ land_mu × 10000/15 | floor area known | `floor_known_land_share` |\n\n"
        "A rate is empty when no parcel of the block has its numerator, or the\n"
        "denominator is 0.  `X_known_land_share` = Σ land_mu of the parcels whose X\n"
        "is known / `land_mu_sum`: 1 when every parcel has it, 0 when none does,\n"
        "empty for a block without parcels.  A rate measured on a small known\n"
        "share is an estimate from the parcels that reported; the default rules\n"
        "(docs/rules.md) call a block whose `tax_known_land_share` or\n"
        "`floor_known_land_share` is under `min_known_share` (0.8) unclassifiable\n"
        "(数据不足) instead of weak.  The sums (`tax_sum`, …) likewise add the known\n"
        "values only and are empty when no parcel has the value; `n_lsl` and\n"
        "`n_small` are empty when no parcel of the block has the flag.  The grade\n"
        "shares need no known share: a parcel without a grade is land in\n"
        "`grade_none_share`.\n");
    return s;
}

TEST(docs_metrics_md_is_in_sync)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/docs/metrics.md", test_source_root());
    char *want = render_doc();
    if (getenv("IBMAP_WRITE_DOCS")) {
        FILE *f = fopen(path, "wb");
        CHECK(f != NULL);
        fputs(want, f);
        fclose(f);
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        free(want);
        TEST_FAILF("%s missing: run with IBMAP_WRITE_DOCS=1", path);
    }
    static char have[1 << 16];
    size_t n = fread(have, 1, sizeof have - 1, f);
    fclose(f);
    have[n] = '\0';
    int same = strcmp(have, want) == 0;
    free(want);
    if (!same) TEST_FAILF("docs/metrics.md differs from the table: regenerate it");
}

int main(void)
{
    RUN(fixed_names_exist_with_their_units);
    RUN(names_are_unique_lowercase_and_described);
    RUN(docs_metrics_md_is_in_sync);
    return test_finish();
}

/*
** out_report_enterprises.c — the enterprise section of report.html
** (亩均论英雄, 慈政办发〔2021〕31号): first the 低效 enterprises under the
** 亩均税收 line of 一、(三) (how many, on how many 亩); then the 项目清单
** categories of 三、(二); the six 标志性产业链 of 二、(七) (their share of the
** land and their 亩均 figures); and the 亩产英雄 榜单 of 二、(六): the
** enterprises in front and the 末档 the text asks to act on (“加强对‘亩产
** 效益’综合评价排位末档…企业整治提升”), the industries (GB/T 4754 大类) and the
** towns.  The figures are those of the summary CSVs (out_enterprises.c
** computes both).  Kept apart from out_report.c, which calls it once.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

/* The most 末档 rows the page lists (the CSV has all of them). */
#define REPORT_MAX_BOTTOM 200
/* The enterprises in front the page lists. */
#define REPORT_TOP 10

/* A numeric cell of `decimals` decimals; "–" when unknown. */
static void cell_num(FILE *f, double v, int decimals)
{
    if (!isfinite(v)) {
        fputs("<td class=\"n\">–</td>", f);
        return;
    }
    fprintf(f, "<td class=\"n\">%.*f</td>", decimals, fabs(v) < 0.5 * pow(10, -decimals) ? 0.0 : v);
}

static void cell_int(FILE *f, int64_t n)
{
    fprintf(f, "<td class=\"n%s\">%lld</td>", n ? "" : " zero", (long long)n);
}

static void cell_text(FILE *f, const char *s)
{
    fputs("<td>", f);
    out_html_esc(f, s);
    fputs("</td>", f);
}

static void cell_rank(FILE *f, int64_t rank)
{
    if (rank > 0) fprintf(f, "<td class=\"n\">%lld</td>", (long long)rank);
    else fputs("<td class=\"n\">–</td>", f);
}

static double share(double part, double whole)
{
    return whole > 0 ? part / whole : NAN;
}

static void category_table(FILE *f, const out_category_group *g)
{
    fputs("<table>\n<thead><tr><th>项目清单类别 Category</th><th class=\"n\">企业 Enterprises</th>"
          "<th class=\"n\">用地（亩） Land (mu)</th><th class=\"n\">其中低效 Of them 低效</th>"
          "<th class=\"n\">低效用地（亩） 低效 land (mu)</th></tr></thead>\n<tbody>\n", f);
    int64_t n = 0, nl = 0;
    double mu = 0, lmu = 0;
    for (int j = 1; j <= IBMAP_CATEGORY_COUNT; j++) {
        int k = j % IBMAP_CATEGORY_COUNT;   /* none last */
        fprintf(f, "<tr data-category=\"%s\"><td>", ibmap_category_name((ibmap_category)k));
        out_html_esc(f, ibmap_category_label_zh((ibmap_category)k));
        fprintf(f, " <span class=\"key\">%s</span></td>", ibmap_category_name((ibmap_category)k));
        cell_int(f, g->n[k]);
        cell_num(f, g->mu[k], 1);
        cell_int(f, g->n_low_eff[k]);
        cell_num(f, g->low_eff_mu[k], 1);
        fputs("</tr>\n", f);
        n += g->n[k];
        nl += g->n_low_eff[k];
        mu += g->mu[k];
        lmu += g->low_eff_mu[k];
    }
    fputs("<tr class=\"total\"><td>合计 Total</td>", f);
    cell_int(f, n);
    cell_num(f, mu, 1);
    cell_int(f, nl);
    cell_num(f, lmu, 1);
    fputs("</tr>\n</tbody>\n</table>\n", f);
}

static void chain_table(FILE *f, const out_ranking *chains, double all_mu)
{
    fputs("<table>\n<thead><tr><th>产业链 Chain</th><th class=\"n\">企业 Enterprises</th>"
          "<th class=\"n\">用地（亩） Land (mu)</th><th class=\"n\">用地占比 Share of land</th>"
          "<th class=\"n\">亩均税收（万元/亩）</th><th class=\"n\">亩均增加值（万元/亩）</th>"
          "<th class=\"n\">低效企业 低效</th></tr></thead>\n<tbody>\n", f);
    /* the six chains in the table's order, then the other industries */
    const char *seen[64];
    int n_seen = 0;
    for (int i = 0; i <= ibmap_industry_chain_count(); i++) {
        const char *name = i < ibmap_industry_chain_count() ? ibmap_industry_chain_name(i) : NULL;
        int dup = 0;
        for (int j = 0; name && j < n_seen; j++) dup |= strcmp(seen[j], name) == 0;
        if (dup) continue;
        if (name && n_seen < 64) seen[n_seen++] = name;
        const out_rank_row *w = NULL;
        for (int64_t k = 0; k < chains->n; k++)
            if ((name && chains->rows[k].key && strcmp(chains->rows[k].key, name) == 0) ||
                (!name && !chains->rows[k].key))
                w = &chains->rows[k];
        fputs("<tr>", f);
        cell_text(f, name ? name : "（其他行业） other industries");
        cell_int(f, w ? w->n_enterprises : 0);
        cell_num(f, w ? w->land_mu : 0, 1);
        double s = share(w ? w->land_mu : 0, all_mu);
        if (isfinite(s)) fprintf(f, "<td class=\"n\">%.1f%%</td>", 100 * s);
        else fputs("<td class=\"n\">–</td>", f);
        cell_num(f, w ? w->tax_per_mu : NAN, 2);
        cell_num(f, w ? w->va_per_mu : NAN, 2);
        cell_int(f, w ? w->n_low_eff : 0);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

/* Rows of the enterprise ranking: [from, to) of r->rows. */
static void enterprise_rows(FILE *f, const out_model *m, const out_ranking *r, int64_t from,
                            int64_t to)
{
    const out_table *t = out_model_table(m, "enterprises");
    fputs("<table>\n<thead><tr><th class=\"n\">名次 Rank</th><th>企业 Enterprise</th>"
          "<th>镇街 Town</th><th>行业 Industry</th><th class=\"n\">用地（亩）</th>"
          "<th class=\"n\">亩均税收（万元/亩）</th><th class=\"n\">亩均增加值（万元/亩）</th>"
          "<th class=\"n\">增加值名次</th><th>等级 Grade</th><th>项目清单 Category</th>"
          "</tr></thead>\n<tbody>\n", f);
    for (int64_t i = from; i < to && i < r->n; i++) {
        const out_rank_row *w = &r->rows[i];
        fputs("<tr>", f);
        cell_rank(f, w->rank);
        const char *name = out_text(t, w->row, "name");
        cell_text(f, name ? name : out_text(t, w->row, "ent_id"));
        cell_text(f, out_text(t, w->row, "town"));
        cell_text(f, out_text(t, w->row, "industry"));
        cell_num(f, w->land_mu, 2);
        cell_num(f, w->tax_per_mu, 2);
        cell_num(f, w->va_per_mu, 2);
        cell_rank(f, w->rank_va);
        cell_text(f, out_text(t, w->row, "grade"));
        cell_text(f, out_text(t, w->row, "category_zh"));
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

static void group_rows(FILE *f, const out_model *m, const out_ranking *r, const char *corner,
                       int industry)
{
    char buf[64];
    fprintf(f, "<table>\n<thead><tr><th class=\"n\">名次 Rank</th><th>%s</th>", corner);
    if (industry) fputs("<th>行业名称 Name</th>", f);
    fputs("<th class=\"n\">企业 Enterprises</th><th class=\"n\">用地（亩）</th>"
          "<th class=\"n\">亩均税收（万元/亩）</th><th class=\"n\">亩均增加值（万元/亩）</th>"
          "<th class=\"n\">增加值名次</th><th class=\"n\">低效企业</th><th>档次 Tier</th>"
          "</tr></thead>\n<tbody>\n", f);
    for (int64_t i = 0; i < r->n; i++) {
        const out_rank_row *w = &r->rows[i];
        fputs("<tr>", f);
        cell_rank(f, w->rank);
        cell_text(f, w->key ? w->key : "（无）none");
        if (industry) cell_text(f, out_industry_division_name(w->key));
        cell_int(f, w->n_enterprises);
        cell_num(f, w->land_mu, 1);
        cell_num(f, w->tax_per_mu, 2);
        cell_num(f, w->va_per_mu, 2);
        cell_rank(f, w->rank_va);
        cell_int(f, w->n_low_eff);
        cell_text(f, out_tier_label(m, w->tier, buf, sizeof buf));
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

void out_report_enterprises(FILE *f, const out_model *m)
{
    fputs("<section id=\"enterprises\">\n<h2>亩均论英雄：企业 <span class=\"en\">Enterprises"
          "</span></h2>\n", f);
    if (!out_model_table(m, "enterprises")) {
        fputs("<p>工作空间中没有企业表。 The workspace holds no enterprises.</p>\n</section>\n", f);
        return;
    }
    out_category_group *total = NULL;
    int64_t n_total = 0;
    out_ranking ents = {0}, inds = {0}, towns = {0}, chains = {0};
    if (!out_enterprise_categories(m, NULL, &total, &n_total) || n_total < 1 ||
        !out_rank_enterprises(m, &ents) || !out_rank_groups(m, "industry_division", &inds) ||
        !out_rank_groups(m, "town", &towns) || !out_rank_groups(m, "chain", &chains)) {
        fputs("<p>内存不足。 Out of memory.</p>\n</section>\n", f);
        goto done;
    }
    int64_t n = 0, low = 0, no_data = 0;
    double mu = 0, low_mu = 0;
    for (int k = 0; k < IBMAP_CATEGORY_COUNT; k++) {
        n += total->n[k];
        low += total->n_low_eff[k];
        mu += total->mu[k];
        low_mu += total->low_eff_mu[k];
    }
    for (int64_t i = 0; i < ents.n; i++) no_data += isnan(ents.rows[i].tax_per_mu);
    /* The first lines: the 低效 enterprises of 一、(三). */
    fprintf(f, "<p class=\"lead\" id=\"low-eff\">亩均税收低于 %g 万元/亩的低效企业 "
               "<strong>%lld</strong> 家，用地 <strong>%.1f</strong> 亩",
            m->tax_floor, (long long)low, low_mu);
    double s = share(low_mu, mu);
    if (isfinite(s)) fprintf(f, "（占企业用地 %.1f%%）", 100 * s);
    fprintf(f, "；共 %lld 家企业、%.1f 亩；亩均税收不明的 %lld 家为数据不足，不计入低效。"
               "<br><span class=\"en\">%lld enterprises under %g 万元/亩 (一、(三)) on %.1f mu, "
               "of %lld on %.1f mu; %lld with no known tax per mu are not counted.</span></p>\n",
            (long long)n, mu, (long long)no_data, (long long)low, m->tax_floor, low_mu,
            (long long)n, mu, (long long)no_data);
    fputs("<h3>项目清单 <span class=\"en\">Categories (三、(二))</span></h3>\n", f);
    category_table(f, total);
    fputs("<h3>标志性产业链 <span class=\"en\">The six chains (二、(七))</span></h3>\n", f);
    chain_table(f, &chains, mu);
    fputs("<h3>亩产英雄榜单 <span class=\"en\">Rankings (二、(六))</span></h3>\n", f);
    int64_t small = 0, bottom = 0;
    for (int64_t i = 0; i < ents.n; i++) {
        small += ents.rows[i].tier == OUT_TIER_SMALL;
        bottom += ents.rows[i].tier == OUT_TIER_BOTTOM;
    }
    fprintf(f, "<p>按亩均税收排名（同值依次比较亩均增加值、用地、企业标识）：参与排名 %lld 家；"
               "用地不足 %g 亩的 %lld 家不单独排名（二、(一) 10 亩以下不再单独供地，地方口径）；"
               "亩均税收不明的 %lld 家列为数据不足。前列、末档各为参与排名企业的 %g%%。"
               "完整榜单见 <code>" OUT_NAME_RANKING_ENTERPRISES "</code>。</p>\n",
            (long long)ents.n_ranked, m->ranking_min_mu, (long long)small, (long long)no_data,
            100 * m->ranking_tier_share);
    fputs("<h4>企业前列 <span class=\"en\">Enterprises in front</span></h4>\n", f);
    enterprise_rows(f, m, &ents, 0, ents.n_ranked < REPORT_TOP ? ents.n_ranked : REPORT_TOP);
    fprintf(f, "<h4>企业末档 <span class=\"en\">Enterprises at the bottom</span></h4>\n"
               "<p>“加强对‘亩产效益’综合评价排位末档…企业整治提升”（二、(六)）：%lld 家",
            (long long)bottom);
    if (bottom > REPORT_MAX_BOTTOM)
        fprintf(f, "，此处列出最末 %d 家", REPORT_MAX_BOTTOM);
    fputs("。</p>\n", f);
    int64_t last = ents.n_ranked, first = last - (bottom < REPORT_MAX_BOTTOM ? bottom
                                                                              : REPORT_MAX_BOTTOM);
    enterprise_rows(f, m, &ents, first, last);
    fputs("<h4>行业 <span class=\"en\">Industries (GB/T 4754 大类)</span></h4>\n", f);
    group_rows(f, m, &inds, "大类 Division", 1);
    fputs("<h4>镇街 <span class=\"en\">Towns</span></h4>\n", f);
    group_rows(f, m, &towns, "镇街 Town", 0);
    fputs("</section>\n", f);
done:
    free(total);
    out_ranking_free(&ents);
    out_ranking_free(&inds);
    out_ranking_free(&towns);
    out_ranking_free(&chains);
}

/*
** test_out_styles.c — the QGIS styles (QML, SLD) and the QGIS project
** written by out_styles.c, from the hand-built model of out_fixture.h.
**
** These tests read the text: what QGIS makes of it (the style applied,
** the project opened and rendered) is checked with real QGIS by
** test_qgis.sh.  No XML library is linked, so a small checker below
** verifies that tags nest and close, which is most of well-formedness.
*/
#include <unistd.h>

#include "harness.h"
#include "out_fixture.h"

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

/* The position of needle in s, or -1. */
static long pos(const char *s, const char *needle)
{
    const char *p = strstr(s, needle);
    return p ? (long)(p - s) : -1;
}

/* NULL when the tags of `xml` nest and close properly, every attribute
** value is quoted, and no '&' starts anything but an entity; else what is
** wrong.  Comments, the DOCTYPE and the XML declaration are skipped. */
static const char *xml_problem(const char *xml)
{
    static char why[256];
    const char *stack[256];
    size_t len[256];
    int depth = 0, roots = 0;
    for (const char *p = xml; *p; p++) {
        if (*p == '&') {
            static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"};
            int ok = 0;
            for (int i = 0; i < 6; i++) ok |= strncmp(p, ents[i], strlen(ents[i])) == 0;
            if (!ok) return "a bare '&'";
            continue;
        }
        if (*p != '<') continue;
        if (p[1] == '?' || p[1] == '!') {
            const char *e = strchr(p, '>');
            if (!e) return "unterminated declaration";
            p = e;
            continue;
        }
        int closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t n = strcspn(name, " \t\n/>");
        if (n == 0) return "a '<' without a name";
        /* Skip to the tag's end, over quoted attribute values. */
        const char *q = name + n;
        char quote = 0;
        for (; *q && (quote || *q != '>'); q++) {
            if (quote && *q == quote) quote = 0;
            else if (!quote && (*q == '"' || *q == '\'')) quote = *q;
            else if (quote && *q == '<') return "'<' inside an attribute value";
            else if (!quote && *q == '=' && q[1] != '"' && q[1] != '\'')
                return "an unquoted attribute value";
        }
        if (!*q) return "unterminated tag";
        int empty = q[-1] == '/';
        if (closing) {
            if (depth == 0) return "a closing tag without an opening one";
            depth--;
            if (len[depth] != n || strncmp(stack[depth], name, n) != 0) {
                snprintf(why, sizeof why, "</%.*s> closes <%.*s>", (int)n, name,
                         (int)len[depth], stack[depth]);
                return why;
            }
        } else if (!empty) {
            if (depth == 0) roots++;
            if (depth == 256) return "nested too deep";
            stack[depth] = name;
            len[depth++] = n;
        } else if (depth == 0) {
            roots++;
        }
        p = q;
    }
    if (depth) {
        snprintf(why, sizeof why, "<%.*s> is never closed", (int)len[depth - 1],
                 stack[depth - 1]);
        return why;
    }
    return roots == 1 ? NULL : "not exactly one root element";
}

#define CHECK_XML(s)                                                        \
    do {                                                                    \
        const char *why_ = xml_problem(s);                                  \
        if (why_) TEST_FAILF("%s is not well-formed: %s", #s, why_);        \
    } while (0)

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s) s[n] = '\0';
    fclose(f);
    return s;
}

/* A copy of the <maplayer> element whose id is ibmap_<name>, or NULL. */
static char *maplayer_of(const char *qgs, const char *name)
{
    char id[128];
    snprintf(id, sizeof id, "<id>ibmap_%s</id>", name);
    const char *at = strstr(qgs, id), *start = NULL;
    for (const char *p = qgs; at && (p = strstr(p, "<maplayer ")) != NULL && p < at; p++)
        start = p;
    const char *end = start ? strstr(at, "</maplayer>") : NULL;
    return end ? ibmap_strndup(start, (size_t)(end - start)) : NULL;
}

/* Whether any file in `dir` has a name containing `part`. */
static int dir_has(const char *dir, const char *part)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "ls -a '%s' 2>/dev/null | grep -q -- '%s'", dir, part);
    return system(cmd) == 0;
}

/* The model's column names, for a field-name map to edit. */
static char **names_of(const out_table *t)
{
    char **names = calloc((size_t)t->n_columns, sizeof *names);
    for (int c = 0; c < t->n_columns; c++) names[c] = ibmap_strdup(t->columns[c].name);
    return names;
}

static void names_free(char **names, int n)
{
    for (int c = 0; c < n; c++) free(names[c]);
    free(names);
}

static void rename_column(char **names, const out_table *t, const char *from, const char *to)
{
    int c = out_column_index(t, from);
    free(names[c]);
    names[c] = ibmap_strdup(to);
}

/* ---------------------------------------------------------------------- */
/* QML                                                                    */
/* ---------------------------------------------------------------------- */

TEST(qml_blocks_categorised_by_class)
{
    out_model *m = fx_output_model();
    char *qml = out_style_qml(m, out_model_table(m, "blocks"), NULL);
    out_model_free(m);
    CHECK(qml != NULL);
    CHECK_XML(qml);
    CHECK(strncmp(qml, "<!DOCTYPE qgis", 14) == 0);
    CHECK_CONTAINS(qml, "<qgis version=\"3.22");
    CHECK_CONTAINS(qml, "styleCategories=\"AllStyleCategories\"");
    CHECK_CONTAINS(qml, "type=\"categorizedSymbol\"");
    CHECK_CONTAINS(qml, "attr=\"class\"");
    CHECK_INT(count(qml, "<category "), 4);
    CHECK_CONTAINS(qml, "value=\"support\" label=\"扶持发展 support\"");
    CHECK_CONTAINS(qml, "value=\"consolidate\" label=\"整合改造 consolidate\"");
    CHECK_CONTAINS(qml, "value=\"exit\" label=\"清理退出 exit\"");
    CHECK_CONTAINS(qml, "value=\"unclassifiable\" label=\"未能分类 unclassifiable\"");
    /* Colours as QGIS writes them, "r,g,b,a", from the shared palette. */
    CHECK_CONTAINS(qml, "name=\"color\" value=\"46,158,79,255\"");
    CHECK_CONTAINS(qml, "<prop k=\"color\" v=\"46,158,79,255\"/>");
    for (int k = 0; k < IBMAP_CLASS_COUNT; k++) {
        char rgba[32];
        snprintf(rgba, sizeof rgba, "\"%d,%d,%d,255\"", out_class_rgb[k][0],
                 out_class_rgb[k][1], out_class_rgb[k][2]);
        CHECK_CONTAINS(qml, rgba);
    }
    /* Category i draws with symbol i, and there are four symbols. */
    CHECK_CONTAINS(qml, "<category symbol=\"3\" value=\"unclassifiable\"");
    CHECK_CONTAINS(qml, "<symbol type=\"fill\" name=\"3\"");
    CHECK_INT(count(qml, "<symbol "), 4);
    CHECK_CONTAINS(qml, "labelsEnabled=\"0\"");
    CHECK_CONTAINS(qml, "<layerGeometryType>2</layerGeometryType>");
    free(qml);
}

/* The enterprises layer: categorised by its 项目清单 category, the four
** categories first and 不列入 last, legend in Chinese, in QML and SLD. */
TEST(enterprises_categorised_by_category)
{
    out_model *m = fx_output_model();
    static const char *const cols[][4] = {{"ent_id", "企业标识", "", "T"},
                                          {"category", "项目清单类别", "", "T"}};
    out_table *t = fx_table(m, "enterprises", "企业", 1, cols, 2, 1);
    out_table_set_text(t, 0, 0, "E1");
    out_table_set_text(t, 0, 1, "upgrade");
    char *qml = out_style_qml(m, t, NULL);
    char *sld = out_style_sld(m, t, NULL);
    out_model_free(m);
    CHECK(qml && sld);
    CHECK_XML(qml);
    CHECK_XML(sld);
    CHECK_CONTAINS(qml, "type=\"categorizedSymbol\"");
    CHECK_CONTAINS(qml, "attr=\"category\"");
    CHECK_INT(count(qml, "<category "), 5);
    CHECK_CONTAINS(qml, "<category symbol=\"0\" value=\"eliminate\" label=\"整治淘汰类 eliminate\"");
    CHECK_CONTAINS(qml, "value=\"upgrade\" label=\"改造提升类 upgrade\"");
    CHECK_CONTAINS(qml, "value=\"cluster\" label=\"园区集聚类 cluster\"");
    CHECK_CONTAINS(qml, "value=\"relocate\" label=\"搬迁拆除类 relocate\"");
    CHECK_CONTAINS(qml, "<category symbol=\"4\" value=\"none\" label=\"不列入 none\"");
    for (int k = 0; k < IBMAP_CATEGORY_COUNT; k++) {
        char rgba[32], fill[32];
        snprintf(rgba, sizeof rgba, "\"%d,%d,%d,200\"", out_category_rgb[k][0],
                 out_category_rgb[k][1], out_category_rgb[k][2]);
        snprintf(fill, sizeof fill, "#%02x%02x%02x", out_category_rgb[k][0],
                 out_category_rgb[k][1], out_category_rgb[k][2]);
        CHECK_CONTAINS(qml, rgba);
        CHECK_CONTAINS(sld, fill);
    }
    CHECK_INT(count(sld, "<ogc:PropertyName>category</ogc:PropertyName>"), 5);
    CHECK_CONTAINS(sld, "<ogc:Literal>relocate</ogc:Literal>");
    CHECK_CONTAINS(sld, "搬迁拆除类");
    free(qml);
    free(sld);
}

TEST(qml_aliases_are_chinese_labels)
{
    out_model *m = fx_output_model();
    const out_table *t = out_model_table(m, "blocks");
    char *qml = out_style_qml(m, t, NULL);
    CHECK(qml != NULL);
    CHECK_CONTAINS(qml, "<alias field=\"tax_per_mu\" name=\"亩均税收\"/>");
    CHECK_CONTAINS(qml, "<alias field=\"class_zh\" name=\"分类（中文）\"/>");
    CHECK_INT(count(qml, "<alias "), t->n_columns);
    for (int c = 0; c < t->n_columns; c++) {
        char alias[256];
        snprintf(alias, sizeof alias, "<alias field=\"%s\" name=\"%s\"/>", t->columns[c].name,
                 t->columns[c].label_zh);
        CHECK_CONTAINS(qml, alias);
    }
    CHECK_CONTAINS(qml, "<previewExpression>&quot;block_id&quot;</previewExpression>");
    free(qml);
    out_model_free(m);
}

/* A Shapefile's ≤ 10-byte names: the aliases and the categorised field
** follow the map, and the model's names appear nowhere. */
TEST(qml_uses_written_field_names)
{
    out_model *m = fx_output_model();
    const out_table *t = out_model_table(m, "blocks");
    char **names = names_of(t);
    rename_column(names, t, "tax_per_mu", "taxpermu");
    rename_column(names, t, "class", "cls");
    rename_column(names, t, "block_id", "blk_id");
    char *qml = out_style_qml(m, t, (const char *const *)names);
    names_free(names, t->n_columns);
    out_model_free(m);
    CHECK(qml != NULL);
    CHECK_XML(qml);
    CHECK_CONTAINS(qml, "<alias field=\"taxpermu\" name=\"亩均税收\"/>");
    CHECK(!strstr(qml, "field=\"tax_per_mu\""));
    CHECK_CONTAINS(qml, "attr=\"cls\"");
    CHECK(!strstr(qml, "attr=\"class\""));
    CHECK_CONTAINS(qml, "<alias field=\"cls\" name=\"分类\"/>");
    CHECK_CONTAINS(qml, "&quot;blk_id&quot;");
    /* Categories keep the values, which are the same in every format. */
    CHECK_CONTAINS(qml, "value=\"support\"");
    free(qml);
}

/* A NULL entry in the map keeps the model's name. */
TEST(qml_null_field_name_keeps_column_name)
{
    out_model *m = fx_output_model();
    const out_table *t = out_model_table(m, "blocks");
    const char **names = calloc((size_t)t->n_columns, sizeof *names);
    names[out_column_index(t, "tax_per_mu")] = "tpm";
    char *qml = out_style_qml(m, t, names);
    free(names);
    out_model_free(m);
    CHECK(qml != NULL);
    CHECK_CONTAINS(qml, "<alias field=\"tpm\" name=\"亩均税收\"/>");
    CHECK_CONTAINS(qml, "<alias field=\"class\" name=\"分类\"/>");
    CHECK_CONTAINS(qml, "attr=\"class\"");
    free(qml);
}

TEST(qml_zone_layers)
{
    out_model *m = fx_output_model();
    char *parks = out_style_qml(m, out_model_table(m, "parks"), NULL);
    char *red = out_style_qml(m, out_model_table(m, "redline"), NULL);
    char *towns = out_style_qml(m, out_model_table(m, "towns"), NULL);
    char *parcels = out_style_qml(m, out_model_table(m, "parcels"), NULL);
    out_model_free(m);
    CHECK(parks && red && towns && parcels);
    CHECK_XML(parks);
    CHECK_XML(red);
    CHECK_XML(towns);
    CHECK_XML(parcels);
    /* Parks: outline only, in the park colour, 0.6 mm. */
    CHECK_CONTAINS(parks, "type=\"singleSymbol\"");
    CHECK_CONTAINS(parks, "name=\"style\" value=\"no\"");
    CHECK_CONTAINS(parks, "name=\"outline_color\" value=\"31,78,156,255\"");
    CHECK_CONTAINS(parks, "name=\"outline_width\" value=\"0.6\"");
    /* Red lines: hatched and outlined in red. */
    CHECK_CONTAINS(red, "class=\"LinePatternFill\"");
    CHECK_CONTAINS(red, "name=\"line_color\" value=\"192,0,0,255\"");
    CHECK_CONTAINS(red, "name=\"outline_color\" value=\"192,0,0,255\"");
    CHECK(pos(red, "LinePatternFill") < pos(red, "class=\"SimpleFill\""));
    /* Towns: a light fill, grey outline, labelled by name. */
    CHECK_CONTAINS(towns, "labelsEnabled=\"1\"");
    CHECK_CONTAINS(towns, "<labeling type=\"simple\">");
    CHECK_CONTAINS(towns, "fieldName=\"name\"");
    CHECK_CONTAINS(towns, "name=\"style\" value=\"solid\"");
    CHECK_CONTAINS(towns, "name=\"outline_color\" value=\"96,96,96,255\"");
    CHECK(!strstr(parks, "<labeling"));
    CHECK(!strstr(parcels, "categorizedSymbol"));
    CHECK_CONTAINS(parcels, "<alias field=\"enterprise\" name=\"企业名称\"/>");
    free(parks);
    free(red);
    free(towns);
    free(parcels);
}

/* Text from the model is escaped; bytes that are not UTF-8 become '?'
** and control characters go, so that QGIS can always parse the style. */
TEST(qml_escapes_model_text)
{
    out_model *m = calloc(1, sizeof *m);
    m->crs = ibmap_strdup("EPSG:4549");
    out_table *t = out_model_add_table(m, "towns", "镇街", 1);
    CHECK(t != NULL);
    CHECK(out_table_add_column(t, "name", "名称 <\"A&B\"> 'x'", "", OUT_TEXT) >= 0);
    CHECK(out_table_add_column(t, "odd", "bad \xff\xfe byte\x01\ttab", "", OUT_TEXT) >= 0);
    char *qml = out_style_qml(m, t, NULL);
    char *sld = out_style_sld(m, t, NULL);
    out_model_free(m);
    CHECK(qml && sld);
    CHECK_XML(qml);
    CHECK_XML(sld);
    CHECK_CONTAINS(qml, "name=\"名称 &lt;&quot;A&amp;B&quot;&gt; &apos;x&apos;\"");
    CHECK_CONTAINS(qml, "name=\"bad ?? byte&#9;tab\"");
    CHECK(!strchr(qml, '\x01'));
    free(qml);
    free(sld);
}

/* A table without geometry: aliases, no renderer. */
TEST(qml_non_spatial_table)
{
    out_model *m = fx_output_model();
    char *qml = out_style_qml(m, out_model_table(m, "landuse_by_block"), NULL);
    char *sld = out_style_sld(m, out_model_table(m, "landuse_by_block"), NULL);
    CHECK(out_style_qml(m, NULL, NULL) == NULL);
    CHECK(out_style_sld(m, NULL, NULL) == NULL);
    out_model_free(m);
    CHECK(qml && sld);
    CHECK_XML(qml);
    CHECK_XML(sld);
    CHECK(!strstr(qml, "<renderer-v2"));
    CHECK_CONTAINS(qml, "<alias field=\"share\" name=\"占比\"/>");
    CHECK_CONTAINS(qml, "<layerGeometryType>4</layerGeometryType>");
    CHECK(!strstr(sld, "<se:Rule>"));
    free(qml);
    free(sld);
}

/* ---------------------------------------------------------------------- */
/* SLD                                                                    */
/* ---------------------------------------------------------------------- */

TEST(sld_blocks_one_rule_per_class)
{
    out_model *m = fx_output_model();
    const out_table *t = out_model_table(m, "blocks");
    char *sld = out_style_sld(m, t, NULL);
    char **names = names_of(t);
    rename_column(names, t, "class", "cls");
    char *mapped = out_style_sld(m, t, (const char *const *)names);
    names_free(names, t->n_columns);
    out_model_free(m);
    CHECK(sld && mapped);
    CHECK_XML(sld);
    CHECK(strncmp(sld, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 38) == 0);
    CHECK_CONTAINS(sld, "<StyledLayerDescriptor xmlns=\"http://www.opengis.net/sld\"");
    CHECK_CONTAINS(sld, "version=\"1.1.0\"");
    CHECK_CONTAINS(sld, "<se:Name>blocks</se:Name>");
    CHECK_INT(count(sld, "<se:Rule>"), 4);
    CHECK_INT(count(sld, "<ogc:PropertyIsEqualTo>"), 4);
    CHECK_INT(count(sld, "<ogc:PropertyName>class</ogc:PropertyName>"), 4);
    for (int k = 0; k < IBMAP_CLASS_COUNT; k++) {
        char lit[64], fill[64];
        snprintf(lit, sizeof lit, "<ogc:Literal>%s</ogc:Literal>",
                 ibmap_class_name((ibmap_class)k));
        snprintf(fill, sizeof fill, "<se:SvgParameter name=\"fill\">#%02x%02x%02x<",
                 out_class_rgb[k][0], out_class_rgb[k][1], out_class_rgb[k][2]);
        CHECK_CONTAINS(sld, lit);
        CHECK_CONTAINS(sld, fill);
        CHECK_CONTAINS(sld, ibmap_class_label_zh((ibmap_class)k));
    }
    CHECK_CONTAINS(sld, "#2e9e4f");
    /* Class support's rule holds support's fill: rule, filter and
    ** symbolizer are in one order. */
    CHECK(pos(sld, "<ogc:Literal>support<") < pos(sld, "#2e9e4f"));
    CHECK(pos(sld, "#2e9e4f") < pos(sld, "<ogc:Literal>consolidate<"));
    CHECK_INT(count(mapped, "<ogc:PropertyName>cls</ogc:PropertyName>"), 4);
    free(sld);
    free(mapped);
}

TEST(sld_zone_layers)
{
    out_model *m = fx_output_model();
    char *parks = out_style_sld(m, out_model_table(m, "parks"), NULL);
    char *red = out_style_sld(m, out_model_table(m, "redline"), NULL);
    char *towns = out_style_sld(m, out_model_table(m, "towns"), NULL);
    out_model_free(m);
    CHECK(parks && red && towns);
    CHECK_XML(parks);
    CHECK_XML(red);
    CHECK_XML(towns);
    CHECK_INT(count(parks, "<se:Rule>"), 1);
    CHECK_CONTAINS(parks, "<se:PolygonSymbolizer>");
    CHECK(!strstr(parks, "<se:Fill>"));
    CHECK_CONTAINS(parks, "<se:SvgParameter name=\"stroke\">#1f4e9c</se:SvgParameter>");
    CHECK_CONTAINS(red, "<se:GraphicFill>");
    CHECK_CONTAINS(red, "#c00000");
    CHECK_CONTAINS(towns, "<se:TextSymbolizer>");
    CHECK_CONTAINS(towns, "<ogc:PropertyName>name</ogc:PropertyName>");
    free(parks);
    free(red);
    free(towns);
}

/* ---------------------------------------------------------------------- */
/* The project                                                            */
/* ---------------------------------------------------------------------- */

TEST(qgs_written_complete)
{
    const char *dir = test_scratch_dir("test_out_styles");
    CHECK(dir != NULL);
    char path[4200];
    snprintf(path, sizeof path, "%s/industrial_map.qgs", dir);
    ibmap_ctx *ctx = ibmap_ctx_new();
    out_model *m = fx_output_model();
    ibmap_status s = out_write_qgs(ctx, m, path, "industrial_map.gpkg");
    out_model_free(m);
    const char *msg = ibmap_errmsg(ctx);
    if (s) TEST_FAILF("out_write_qgs: %d %s", s, msg);
    ibmap_ctx_free(ctx);
    char *qgs = read_all(path);
    CHECK(qgs != NULL);
    CHECK_XML(qgs);
    CHECK(!dir_has(dir, ".tmp-"));
    CHECK(strncmp(qgs, "<!DOCTYPE qgis", 14) == 0);
    CHECK_CONTAINS(qgs, "<title>工业地图 Industrial map (test)</title>");
    CHECK_CONTAINS(qgs, "projectname=\"工业地图 Industrial map (test)\"");
    CHECK_CONTAINS(qgs, "<authid>EPSG:4549</authid>");
    CHECK_CONTAINS(qgs, "<srid>4549</srid>");
    CHECK_CONTAINS(qgs, "<wkt>PROJCRS[");
    CHECK_CONTAINS(qgs, "<projectionacronym>tmerc</projectionacronym>");
    CHECK_CONTAINS(qgs, "<Absolute type=\"bool\">false</Absolute>");
    /* Every spatial table, relative to the project, through OGR. */
    static const char *const spatial[] = {"redline", "parks", "blocks", "parcels", "towns"};
    for (int i = 0; i < 5; i++) {
        char src[128];
        snprintf(src, sizeof src, "<datasource>./industrial_map.gpkg|layername=%s</datasource>",
                 spatial[i]);
        CHECK_CONTAINS(qgs, src);
        snprintf(src, sizeof src, "<id>ibmap_%s</id>", spatial[i]);
        CHECK_CONTAINS(qgs, src);
    }
    CHECK_INT(count(qgs, "<maplayer "), 5);
    CHECK_INT(count(qgs, "<layer-tree-layer "), 5);
    CHECK_INT(count(qgs, "<provider encoding=\"UTF-8\">ogr</provider>"), 5);
    CHECK(!strstr(qgs, "layername=landuse_by_block"));
    CHECK(!strstr(qgs, "layername=run"));
    /* The legend, top first: red lines, parks, blocks, parcels, towns. */
    long tree = pos(qgs, "<layer-tree-group>");
    CHECK(tree >= 0);
    const char *t = qgs + tree;
    CHECK(pos(t, "layername=redline") < pos(t, "layername=parks"));
    CHECK(pos(t, "layername=parks") < pos(t, "layername=blocks"));
    CHECK(pos(t, "layername=blocks") < pos(t, "layername=parcels"));
    CHECK(pos(t, "layername=parcels") < pos(t, "layername=towns"));
    CHECK_INT(count(qgs, "checked=\"Qt::Unchecked\""), 1);
    CHECK(pos(t, "layername=parcels\" providerKey=\"ogr\" checked=\"Qt::Unchecked\"") >= 0);
    CHECK_CONTAINS(qgs, "name=\"工业区块 blocks\"");
    /* The blocks' style is the QML's, inside the project. */
    CHECK_INT(count(qgs, "type=\"categorizedSymbol\""), 1);
    CHECK_CONTAINS(qgs, "value=\"exit\" label=\"清理退出 exit\"");
    CHECK_CONTAINS(qgs, "<alias field=\"tax_per_mu\" name=\"亩均税收\"/>");
    CHECK_CONTAINS(qgs, "class=\"LinePatternFill\"");
    CHECK_CONTAINS(qgs, "fieldName=\"name\"");
    /* The canvas opens on the model's extent; each layer's extent is that
    ** of its geometries (B5 has none; the park reaches beyond the blocks). */
    CHECK_CONTAINS(qgs, "<mapcanvas");
    CHECK_CONTAINS(qgs, "<DefaultViewExtent xmin=\"625000\" ymin=\"3345000\" "
                        "xmax=\"625500\" ymax=\"3345500\">");
    char *blocks = maplayer_of(qgs, "blocks"), *parks = maplayer_of(qgs, "parks");
    CHECK(blocks && parks);
    CHECK_CONTAINS(blocks, "<xmin>625000</xmin>");
    CHECK_CONTAINS(blocks, "<ymax>3345500</ymax>");
    CHECK_CONTAINS(blocks, "<renderer-v2 type=\"categorizedSymbol\"");
    CHECK_CONTAINS(parks, "<xmin>624950</xmin>");
    CHECK_CONTAINS(parks, "<xmax>625250</xmax>");
    CHECK(!strstr(parks, "categorizedSymbol"));
    free(blocks);
    free(parks);
    free(qgs);
}

/* The title and names are escaped in the project too; a relative GeoPackage
** path already starting with ./ is kept as given. */
TEST(qgs_escapes_title)
{
    const char *dir = test_scratch_dir("test_out_styles_esc");
    CHECK(dir != NULL);
    char path[4200];
    snprintf(path, sizeof path, "%s/p.qgs", dir);
    ibmap_ctx *ctx = ibmap_ctx_new();
    out_model *m = fx_output_model();
    free(m->title);
    m->title = ibmap_strdup("A & B <地图>");
    ibmap_status s = out_write_qgs(ctx, m, path, "./data/a&b.gpkg");
    out_model_free(m);
    ibmap_ctx_free(ctx);
    CHECK_INT(s, IBMAP_OK);
    char *qgs = read_all(path);
    CHECK(qgs != NULL);
    CHECK_XML(qgs);
    CHECK_CONTAINS(qgs, "<title>A &amp; B &lt;地图&gt;</title>");
    CHECK_CONTAINS(qgs, "<datasource>./data/a&amp;b.gpkg|layername=blocks</datasource>");
    CHECK(!strstr(qgs, ".//data"));
    free(qgs);
}

/* Without the blocks' extent (none has a geometry) the map opens on
** everything there is. */
TEST(qgs_view_falls_back_to_all_layers)
{
    const char *dir = test_scratch_dir("test_out_styles_view");
    CHECK(dir != NULL);
    char path[4200];
    snprintf(path, sizeof path, "%s/p.qgs", dir);
    ibmap_ctx *ctx = ibmap_ctx_new();
    out_model *m = fx_output_model();
    memset(m->extent, 0, sizeof m->extent);
    ibmap_status s = out_write_qgs(ctx, m, path, "industrial_map.gpkg");
    out_model_free(m);
    ibmap_ctx_free(ctx);
    CHECK_INT(s, IBMAP_OK);
    char *qgs = read_all(path);
    CHECK(qgs != NULL);
    CHECK_XML(qgs);
    /* The towns reach furthest: 624900–625600 × 3344900–3345600. */
    CHECK_CONTAINS(qgs, "<DefaultViewExtent xmin=\"624900\" ymin=\"3344900\" "
                        "xmax=\"625600\" ymax=\"3345600\">");
    free(qgs);
}

TEST(qgs_missing_directory_leaves_nothing)
{
    const char *dir = test_scratch_dir("test_out_styles_fail");
    CHECK(dir != NULL);
    char path[4200];
    snprintf(path, sizeof path, "%s/no/such/dir/industrial_map.qgs", dir);
    ibmap_ctx *ctx = ibmap_ctx_new();
    out_model *m = fx_output_model();
    ibmap_status s = out_write_qgs(ctx, m, path, "industrial_map.gpkg");
    out_model_free(m);
    CHECK_INT(s, IBMAP_ERR_WRITE);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "industrial_map.qgs");
    ibmap_ctx_free(ctx);
    CHECK(access(path, F_OK) != 0);
    CHECK(!dir_has(dir, "qgs"));
}

TEST(qgs_bad_crs_fails_before_writing)
{
    const char *dir = test_scratch_dir("test_out_styles_crs");
    CHECK(dir != NULL);
    char path[4200];
    snprintf(path, sizeof path, "%s/industrial_map.qgs", dir);
    ibmap_ctx *ctx = ibmap_ctx_new();
    out_model *m = fx_output_model();
    free(m->crs);
    m->crs = ibmap_strdup("EPSG:999999");
    ibmap_status s = out_write_qgs(ctx, m, path, "industrial_map.gpkg");
    CHECK_INT(s, IBMAP_ERR_CRS_INVALID);
    CHECK_CONTAINS(ibmap_errmsg(ctx), "EPSG:999999");
    CHECK_INT(out_write_qgs(ctx, m, NULL, "x.gpkg"), IBMAP_ERR_ARG);
    out_model_free(m);
    ibmap_ctx_free(ctx);
    CHECK(access(path, F_OK) != 0);
    CHECK(!dir_has(dir, "qgs"));
}

/* The checker above must itself catch what it is there for. */
TEST(xml_checker_catches_errors)
{
    CHECK(xml_problem("<a><b/></a>") == NULL);
    CHECK(xml_problem("<!DOCTYPE x><a x=\"1&amp;\">t</a>") == NULL);
    CHECK(xml_problem("<a><b></a>") != NULL);
    CHECK(xml_problem("<a>") != NULL);
    CHECK(xml_problem("<a x=1/>") != NULL);
    CHECK(xml_problem("<a>&</a>") != NULL);
    CHECK(xml_problem("<a/><b/>") != NULL);
}

int main(void)
{
    RUN(qml_blocks_categorised_by_class);
    RUN(enterprises_categorised_by_category);
    RUN(qml_aliases_are_chinese_labels);
    RUN(qml_uses_written_field_names);
    RUN(qml_null_field_name_keeps_column_name);
    RUN(qml_zone_layers);
    RUN(qml_escapes_model_text);
    RUN(qml_non_spatial_table);
    RUN(sld_blocks_one_rule_per_class);
    RUN(sld_zone_layers);
    RUN(qgs_written_complete);
    RUN(qgs_escapes_title);
    RUN(qgs_view_falls_back_to_all_layers);
    RUN(qgs_missing_directory_leaves_nothing);
    RUN(qgs_bad_crs_fails_before_writing);
    RUN(xml_checker_catches_errors);
    return test_finish();
}

/*
** out_styles.c — QGIS styles of the output tables and the QGIS project
** that opens them.
**
**   out_style_qml()   a QML document (QGIS 3.22's layer style format): the
**                     renderer, the labels, and every column's Chinese
**                     label as its alias.  out_ogr.c stores it in the
**                     GeoPackage's layer_styles table (QGIS applies the row
**                     marked useAsDefault when the layer is opened) and
**                     beside each Shapefile as <name>.qml (QGIS applies a
**                     .qml of the same base name when it opens the file).
**   out_style_sld()   the same look as an SLD 1.1 document, for the
**                     layer_styles table's styleSLD and other GIS programs.
**   out_write_qgs()   industrial_map.qgs: every spatial table of the
**                     GeoPackage as a layer, styled as in the QML, in
**                     drawing order, in the working CRS, opened on the
**                     blocks' extent.  Paths are relative to the project,
**                     so the output directory can be moved or zipped.
**
** The look of every table is one row of `looks` below; the colours that
** the map and the report use too come from the palette in ibmap_output.h.
** Blocks are categorised by their class column, each class filled with
** its colour and labelled "扶持发展 support"; red lines are hatched, parks
** outlined, towns filled lightly under everything and labelled by name.
**
** Documents are built in memory (an ibmap_strbuf) and handed over whole, so that
** a failed allocation yields NULL rather than a truncated style, and the
** project goes to disk through ibmap_write_file (complete or absent).
** Every text that comes from the model (titles, labels, field names) is
** XML-escaped; numbers are printed with printf, which relies on the "C"
** LC_NUMERIC the library assumes (see numtext.c).
**
** QGIS writes each symbol layer's properties twice, as <Option> (read by
** QGIS ≥ 3.16) and as <prop> (read by every QGIS 3): so do we, so that
** older QGIS releases still read the styles.
*/
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

/* The QGIS release whose format is written (Debian 12's). */
#define QGIS_VERSION "3.22.16-Białowieża"
#define QGIS_DOCTYPE "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"

/* ---------------------------------------------------------------------- */
/* XML text into a strbuf (core/strbuf.c)                                */
/* ---------------------------------------------------------------------- */

/* `s` escaped for XML text and attribute values alike.  Line breaks and
** tabs become character references, which attribute normalisation would
** otherwise turn into spaces; other control characters are not allowed in
** XML 1.0 and are dropped.  Text that is not valid UTF-8 (a title typed in
** another encoding) keeps its ASCII and has '?' for the rest, since one
** bad byte would make QGIS refuse the whole document. */
static void sb_esc(ibmap_strbuf *b, const char *s)
{
    if (!s) return;
    int utf8 = ibmap_utf8_valid(s, strlen(s));
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&': ibmap_strbuf_put(b, "&amp;"); break;
        case '<': ibmap_strbuf_put(b, "&lt;"); break;
        case '>': ibmap_strbuf_put(b, "&gt;"); break;
        case '"': ibmap_strbuf_put(b, "&quot;"); break;
        case '\'': ibmap_strbuf_put(b, "&apos;"); break;
        case '\n': ibmap_strbuf_put(b, "&#10;"); break;
        case '\r': ibmap_strbuf_put(b, "&#13;"); break;
        case '\t': ibmap_strbuf_put(b, "&#9;"); break;
        default:
            if (*p < 0x20) break;
            if (*p >= 0x80 && !utf8) {
                ibmap_strbuf_put(b, "?");
                break;
            }
            ibmap_strbuf_putn(b, (const char *)p, 1);
        }
    }
}

/* Two spaces per level, as QGIS indents. */
static void sb_indent(ibmap_strbuf *b, int level)
{
    for (int i = 0; i < level; i++) ibmap_strbuf_put(b, "  ");
}

/* ---------------------------------------------------------------------- */
/* The look of each table                                                 */
/* ---------------------------------------------------------------------- */

typedef enum fill_kind {
    FILL_NONE = 0,   /* outline only */
    FILL_SOLID,
    FILL_HATCH       /* diagonal lines in the fill colour */
} fill_kind;

/* How one kind of polygon is drawn: the fill, then the outline (0 mm: no
** outline).  `line_style` is a Qt pen style as QGIS names it. */
typedef struct symbol_look {
    fill_kind fill;
    const unsigned char *fill_rgb;
    int fill_alpha;
    const unsigned char *line_rgb;
    double line_mm;
    const char *line_style;      /* "solid", "dash", "dot", "dash dot" */
} symbol_look;

/* A table's layer: its symbol (for blocks, the outline around the class
** fills, and the grey of unclassified blocks when there is no class column
** to categorise by), whether it is shown when the project opens, and the column that
** labels it on the map. */
typedef struct table_look {
    const char *table;           /* NULL: any table not listed */
    int visible;
    symbol_look symbol;
    const char *label_column;    /* NULL: no labels */
} table_look;

static const unsigned char rgb_block_line[3] = {0x40, 0x40, 0x40};
static const unsigned char rgb_central[3] = {0x8e, 0x44, 0xad};
static const unsigned char rgb_transition[3] = {0x8c, 0x6d, 0x31};
static const unsigned char rgb_parcel[3] = {0x55, 0x55, 0x55};
static const unsigned char rgb_other[3] = {0x70, 0x70, 0x70};
static const unsigned char rgb_farmland[3] = {0xc7, 0xe9, 0xa0};
static const unsigned char rgb_farmland_line[3] = {0x7f, 0xb0, 0x5a};
static const unsigned char rgb_control_unit[3] = {0x7f, 0xb2, 0xc6};
static const unsigned char rgb_town_fill[3] = {0xf4, 0xf2, 0xec};

/* In drawing order, top first: what is drawn as lines or hatching goes
** over the blocks' opaque fills, what is filled goes under them, and the
** towns are the background.  Parcels are many and small: listed but not
** shown until asked for. */
static const table_look looks[] = {
    {"redline", 1, {FILL_HATCH, out_redline_rgb, 255, out_redline_rgb, 0.5, "solid"}, NULL},
    {"parks", 1, {FILL_NONE, NULL, 0, out_park_rgb, 0.6, "solid"}, NULL},
    {OUT_SITES_TABLE, 1, {FILL_NONE, NULL, 0, out_site_rgb, 0.6, "dash"}, "site_id"},
    {"central", 1, {FILL_NONE, NULL, 0, rgb_central, 0.5, "dash"}, NULL},
    {"transition", 1, {FILL_NONE, NULL, 0, rgb_transition, 0.4, "dot"}, NULL},
    {"enterprises", 0, {FILL_SOLID, out_category_rgb[IBMAP_CATEGORY_NONE], 200, rgb_parcel,
                        0.2, "solid"}, NULL},
    {"blocks", 1, {FILL_SOLID, out_class_rgb[IBMAP_CLASS_UNCLASSIFIABLE], 255, rgb_block_line,
                   0.15, "solid"}, NULL},
    {"parcels", 0, {FILL_NONE, NULL, 0, rgb_parcel, 0.15, "solid"}, NULL},
    {NULL, 1, {FILL_NONE, NULL, 0, rgb_other, 0.3, "solid"}, NULL},
    {"basic_farmland", 1, {FILL_SOLID, rgb_farmland, 150, rgb_farmland_line, 0.2, "solid"}, NULL},
    {"control_units", 1, {FILL_NONE, NULL, 0, rgb_control_unit, 0.2, "dash"}, NULL},
    {"towns", 1, {FILL_SOLID, rgb_town_fill, 255, out_town_rgb, 0.4, "solid"}, "name"},
};
enum { N_LOOKS = (int)(sizeof looks / sizeof *looks) };

/* The row of `looks` for table `name` (the catch-all row if not listed). */
static int look_index(const char *name)
{
    int other = 0;
    for (int i = 0; i < N_LOOKS; i++) {
        if (!looks[i].table) other = i;
        else if (strcmp(looks[i].table, name) == 0) return i;
    }
    return other;
}

/* The blocks are categorised when they carry a class column, the
** enterprises (drawn over them, hidden when the project opens) when they
** carry their 项目清单 category. */
static int categorised(const out_table *t)
{
    return t->spatial && ((strcmp(t->name, "blocks") == 0 && out_column_index(t, "class") >= 0) ||
                          (strcmp(t->name, "enterprises") == 0 &&
                           out_column_index(t, "category") >= 0));
}

static int is_enterprises(const out_table *t)
{
    return strcmp(t->name, "enterprises") == 0;
}

/* The categories of a categorised table: the column, how many, and the
** value of the k-th in legend order (the enterprises' four categories
** first, those not listed last). */
static const char *category_column(const out_table *t)
{
    return is_enterprises(t) ? "category" : "class";
}

static int category_count(const out_table *t)
{
    return is_enterprises(t) ? IBMAP_CATEGORY_COUNT : IBMAP_CLASS_COUNT;
}

static const char *category_value(const out_table *t, int k)
{
    return is_enterprises(t) ? ibmap_category_name((ibmap_category)((k + 1) % IBMAP_CATEGORY_COUNT))
                             : ibmap_class_name((ibmap_class)k);
}

/* The field name column c is written under. */
static const char *field_name(const out_table *t, const char *const *field_names, int c)
{
    return field_names && field_names[c] ? field_names[c] : t->columns[c].name;
}

/* The label column of a table's look, if the table has it, or -1. */
static int label_column(const out_table *t, const table_look *lk)
{
    return t->spatial && lk->label_column ? out_column_index(t, lk->label_column) : -1;
}

/* The symbol of class k: the blocks' outline around the class colour. */
static symbol_look class_symbol(ibmap_class k)
{
    symbol_look s = looks[look_index("blocks")].symbol;
    s.fill = FILL_SOLID;
    s.fill_rgb = out_class_rgb[k];
    s.fill_alpha = 255;
    return s;
}

/* "扶持发展 support": the legend speaks Chinese first, and keeps the value
** it stands for. */
static char *class_label(ibmap_class k)
{
    return ibmap_sprintf("%s %s", ibmap_class_label_zh(k), ibmap_class_name(k));
}

/* The symbol and legend label of the k-th category of t (legend order). */
static symbol_look category_symbol(const out_table *t, int k)
{
    if (!is_enterprises(t)) return class_symbol((ibmap_class)k);
    symbol_look s = looks[look_index("enterprises")].symbol;
    s.fill_rgb = out_category_rgb[(k + 1) % IBMAP_CATEGORY_COUNT];
    return s;
}

static char *category_label(const out_table *t, int k)
{
    if (!is_enterprises(t)) return class_label((ibmap_class)k);
    ibmap_category c = (ibmap_category)((k + 1) % IBMAP_CATEGORY_COUNT);
    return ibmap_sprintf("%s %s", ibmap_category_label_zh(c), ibmap_category_name(c));
}

/* ---------------------------------------------------------------------- */
/* QML: symbols                                                           */
/* ---------------------------------------------------------------------- */

/* The properties of one symbol layer, written in both of QGIS's forms.
** Keys and values are ours (never model text), short and plain. */
enum { MAX_PROPS = 16 };
typedef struct props {
    int n;
    const char *key[MAX_PROPS];
    char value[MAX_PROPS][48];
} props;

static void prop(props *p, const char *key, const char *fmt, ...) IBMAP_PRINTF(3, 4);
static void prop(props *p, const char *key, const char *fmt, ...)
{
    if (p->n >= MAX_PROPS) return;   /* cannot happen: the callers add ≤ 16 */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->value[p->n], sizeof p->value[p->n], fmt, ap);
    va_end(ap);
    p->key[p->n++] = key;
}

static void prop_colour(props *p, const char *key, const unsigned char *rgb, int alpha)
{
    prop(p, key, "%d,%d,%d,%d", rgb[0], rgb[1], rgb[2], alpha);
}

static void props_write(ibmap_strbuf *b, int level, const props *p)
{
    sb_indent(b, level);
    ibmap_strbuf_put(b, "<Option type=\"Map\">\n");
    for (int i = 0; i < p->n; i++) {
        sb_indent(b, level + 1);
        ibmap_strbuf_put(b, "<Option type=\"QString\" name=\"");
        sb_esc(b, p->key[i]);
        ibmap_strbuf_put(b, "\" value=\"");
        sb_esc(b, p->value[i]);
        ibmap_strbuf_put(b, "\"/>\n");
    }
    sb_indent(b, level);
    ibmap_strbuf_put(b, "</Option>\n");
    for (int i = 0; i < p->n; i++) {
        sb_indent(b, level);
        ibmap_strbuf_put(b, "<prop k=\"");
        sb_esc(b, p->key[i]);
        ibmap_strbuf_put(b, "\" v=\"");
        sb_esc(b, p->value[i]);
        ibmap_strbuf_put(b, "\"/>\n");
    }
}

static void symbol_open(ibmap_strbuf *b, int level, const char *type, const char *name)
{
    sb_indent(b, level);
    ibmap_strbuf_printf(b, "<symbol type=\"%s\" name=\"", type);
    sb_esc(b, name);
    ibmap_strbuf_put(b, "\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n");
}

static void layer_open(ibmap_strbuf *b, int level, const char *class_name)
{
    sb_indent(b, level);
    ibmap_strbuf_printf(b, "<layer class=\"%s\" enabled=\"1\" locked=\"0\" pass=\"0\">\n", class_name);
}

/* The hatching of a red line: 45° lines 2.5 mm apart, drawn by a line
** sub-symbol (QGIS ≥ 3.x draws LinePatternFill with it). */
static void hatch_layer(ibmap_strbuf *b, int level, const symbol_look *s, const char *symbol_name)
{
    layer_open(b, level, "LinePatternFill");
    props p = {0};
    prop(&p, "angle", "45");
    prop_colour(&p, "color", s->fill_rgb, s->fill_alpha);
    prop(&p, "distance", "2.5");
    prop(&p, "distance_unit", "MM");
    prop(&p, "line_width", "0.3");
    prop(&p, "line_width_unit", "MM");
    prop(&p, "offset", "0");
    prop(&p, "offset_unit", "MM");
    props_write(b, level + 1, &p);
    char *sub = ibmap_sprintf("@%s@0", symbol_name);
    if (!sub) b->failed = 1;
    symbol_open(b, level + 1, "line", sub ? sub : "");
    free(sub);
    layer_open(b, level + 2, "SimpleLine");
    props q = {0};
    prop_colour(&q, "line_color", s->fill_rgb, s->fill_alpha);
    prop(&q, "line_style", "solid");
    prop(&q, "line_width", "0.3");
    prop(&q, "line_width_unit", "MM");
    prop(&q, "capstyle", "square");
    prop(&q, "joinstyle", "bevel");
    props_write(b, level + 3, &q);
    sb_indent(b, level + 2);
    ibmap_strbuf_put(b, "</layer>\n");
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "</symbol>\n");
    sb_indent(b, level);
    ibmap_strbuf_put(b, "</layer>\n");
}

/* A SimpleFill: the solid fill, or no brush for an outline, or the outline
** over a hatch. */
static void simple_fill_layer(ibmap_strbuf *b, int level, const symbol_look *s)
{
    static const unsigned char black[3] = {0, 0, 0};
    int solid = s->fill == FILL_SOLID && s->fill_rgb;
    layer_open(b, level, "SimpleFill");
    props p = {0};
    prop_colour(&p, "color", solid ? s->fill_rgb : black, solid ? s->fill_alpha : 0);
    prop(&p, "style", "%s", solid ? "solid" : "no");
    prop_colour(&p, "outline_color", s->line_rgb ? s->line_rgb : black, 255);
    prop(&p, "outline_style", "%s", s->line_mm > 0 ? s->line_style : "no");
    prop(&p, "outline_width", "%g", s->line_mm);
    prop(&p, "outline_width_unit", "MM");
    prop(&p, "joinstyle", "bevel");
    prop(&p, "offset", "0,0");
    prop(&p, "offset_unit", "MM");
    props_write(b, level + 1, &p);
    sb_indent(b, level);
    ibmap_strbuf_put(b, "</layer>\n");
}

/* A fill symbol named `name` (the renderer refers to it by name). */
static void fill_symbol(ibmap_strbuf *b, int level, const char *name, const symbol_look *s)
{
    symbol_open(b, level, "fill", name);
    if (s->fill == FILL_HATCH) hatch_layer(b, level + 1, s, name);
    simple_fill_layer(b, level + 1, s);
    sb_indent(b, level);
    ibmap_strbuf_put(b, "</symbol>\n");
}

/* ---------------------------------------------------------------------- */
/* QML: renderer, labels, aliases                                         */
/* ---------------------------------------------------------------------- */

static void renderer_open(ibmap_strbuf *b, int level, const char *type)
{
    sb_indent(b, level);
    ibmap_strbuf_printf(b, "<renderer-v2 type=\"%s\" forceraster=\"0\" symbollevels=\"0\" "
                 "enableorderby=\"0\" referencescale=\"-1\"", type);
}

static void renderer_close(ibmap_strbuf *b, int level)
{
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "<rotation/>\n");
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "<sizescale/>\n");
    sb_indent(b, level);
    ibmap_strbuf_put(b, "</renderer-v2>\n");
}

/* The blocks: one category per class, on the (renamed) class field; the
** enterprises: one per 项目清单 category. */
static void categorised_renderer(ibmap_strbuf *b, int level, const out_table *t,
                                 const char *const *field_names)
{
    renderer_open(b, level, "categorizedSymbol");
    ibmap_strbuf_put(b, " attr=\"");
    sb_esc(b, field_name(t, field_names, out_column_index(t, category_column(t))));
    ibmap_strbuf_put(b, "\">\n");
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "<categories>\n");
    for (int k = 0; k < category_count(t); k++) {
        char *label = category_label(t, k);
        if (!label) b->failed = 1;
        sb_indent(b, level + 2);
        ibmap_strbuf_printf(b, "<category symbol=\"%d\" value=\"", k);
        sb_esc(b, category_value(t, k));
        ibmap_strbuf_put(b, "\" label=\"");
        sb_esc(b, label);
        ibmap_strbuf_put(b, "\" render=\"true\"/>\n");
        free(label);
    }
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "</categories>\n");
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "<symbols>\n");
    for (int k = 0; k < category_count(t); k++) {
        char name[16];
        snprintf(name, sizeof name, "%d", k);
        symbol_look s = category_symbol(t, k);
        fill_symbol(b, level + 2, name, &s);
    }
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "</symbols>\n");
    renderer_close(b, level);
}

static void single_renderer(ibmap_strbuf *b, int level, const symbol_look *s)
{
    renderer_open(b, level, "singleSymbol");
    ibmap_strbuf_put(b, ">\n");
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "<symbols>\n");
    fill_symbol(b, level + 2, "0", s);
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "</symbols>\n");
    renderer_close(b, level);
}

/* Labels from one column: text in the outline colour with a white halo,
** horizontal, over the polygon's centroid.  Attributes not written take QGIS's
** defaults. */
static void labeling(ibmap_strbuf *b, int level, const char *field, const unsigned char *rgb)
{
    sb_indent(b, level);
    ibmap_strbuf_put(b, "<labeling type=\"simple\">\n");
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "<settings calloutType=\"simple\">\n");
    sb_indent(b, level + 2);
    ibmap_strbuf_put(b, "<text-style fieldName=\"");
    sb_esc(b, field);
    ibmap_strbuf_printf(b, "\" isExpression=\"0\" fontFamily=\"Noto Sans CJK SC\" fontSize=\"10\" "
                 "fontSizeUnit=\"Point\" fontWeight=\"50\" fontItalic=\"0\" "
                 "textColor=\"%d,%d,%d,255\" textOpacity=\"1\" namedStyle=\"\" "
                 "blendMode=\"0\" multilineHeight=\"1\" allowHtml=\"0\">\n",
              rgb[0], rgb[1], rgb[2]);
    sb_indent(b, level + 3);
    ibmap_strbuf_put(b, "<text-buffer bufferDraw=\"1\" bufferSize=\"0.8\" bufferSizeUnits=\"MM\" "
              "bufferColor=\"255,255,255,255\" bufferOpacity=\"0.8\" bufferNoFill=\"1\" "
              "bufferJoinStyle=\"128\" bufferBlendMode=\"0\"/>\n");
    sb_indent(b, level + 2);
    ibmap_strbuf_put(b, "</text-style>\n");
    sb_indent(b, level + 2);
    ibmap_strbuf_put(b, "<text-format multilineAlign=\"3\" wrapChar=\"\" autoWrapLength=\"0\"/>\n");
    sb_indent(b, level + 2);
    /* placement 1 = OverPoint: horizontal, at the centroid, kept inside. */
    ibmap_strbuf_put(b, "<placement placement=\"1\" centroidInside=\"1\" centroidWhole=\"0\" "
              "fitInPolygonOnly=\"0\" priority=\"5\" dist=\"0\" offsetType=\"0\" "
              "quadOffset=\"4\" xOffset=\"0\" yOffset=\"0\" rotationAngle=\"0\" "
              "polygonPlacementFlags=\"2\"/>\n");
    sb_indent(b, level + 2);
    ibmap_strbuf_put(b, "<rendering drawLabels=\"1\" obstacle=\"1\" obstacleFactor=\"1\" "
              "obstacleType=\"1\" displayAll=\"0\" labelPerPart=\"0\" mergeLines=\"0\" "
              "scaleVisibility=\"0\" upsidedownLabels=\"0\" zIndex=\"0\" "
              "limitNumLabels=\"0\" maxNumLabels=\"2000\" minFeatureSize=\"0\" "
              "fontLimitPixelSize=\"0\" fontMinPixelSize=\"3\" fontMaxPixelSize=\"10000\"/>\n");
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "</settings>\n");
    sb_indent(b, level);
    ibmap_strbuf_put(b, "</labeling>\n");
}

/* The attributes of <qgis> (QML) or <maplayer> (project) that belong to a
** style. */
static void style_attributes(ibmap_strbuf *b, int labels)
{
    ibmap_strbuf_printf(b, " styleCategories=\"AllStyleCategories\" labelsEnabled=\"%d\" "
                 "hasScaleBasedVisibilityFlag=\"0\" minScale=\"100000000\" maxScale=\"0\" "
                 "simplifyDrawingHints=\"1\" simplifyAlgorithm=\"0\" simplifyDrawingTol=\"1\" "
                 "simplifyLocal=\"1\" simplifyMaxScale=\"1\" symbologyReferenceScale=\"-1\" "
                 "readOnly=\"0\"", labels ? 1 : 0);
}

/* The elements of a table's style, the same in a QML and inside a
** project's <maplayer>: renderer, labels, aliases, display expression. */
static void style_elements(ibmap_strbuf *b, int level, const out_table *t,
                           const char *const *field_names)
{
    const table_look *lk = &looks[look_index(t->name)];
    if (t->spatial) {
        if (categorised(t)) categorised_renderer(b, level, t, field_names);
        else single_renderer(b, level, &lk->symbol);
        int lc = label_column(t, lk);
        if (lc >= 0)
            labeling(b, level, field_name(t, field_names, lc),
                     lk->symbol.line_rgb ? lk->symbol.line_rgb : rgb_other);
    }
    sb_indent(b, level);
    ibmap_strbuf_put(b, "<blendMode>0</blendMode>\n");
    sb_indent(b, level);
    ibmap_strbuf_put(b, "<featureBlendMode>0</featureBlendMode>\n");
    sb_indent(b, level);
    ibmap_strbuf_put(b, "<layerOpacity>1</layerOpacity>\n");
    /* Aliases by field name, without the index QGIS also writes: the index
    ** differs between a GeoPackage (whose fid comes first) and a
    ** Shapefile, and QGIS matches on the name when there is one. */
    sb_indent(b, level);
    ibmap_strbuf_put(b, "<aliases>\n");
    for (int c = 0; c < t->n_columns; c++) {
        sb_indent(b, level + 1);
        ibmap_strbuf_put(b, "<alias field=\"");
        sb_esc(b, field_name(t, field_names, c));
        ibmap_strbuf_put(b, "\" name=\"");
        sb_esc(b, t->columns[c].label_zh);
        ibmap_strbuf_put(b, "\"/>\n");
    }
    sb_indent(b, level);
    ibmap_strbuf_put(b, "</aliases>\n");
    /* The identify panel and the attribute form name a feature by its id,
    ** the first column of every table. */
    if (t->n_columns > 0) {
        ibmap_strbuf expr = {0};   /* "id", with any '"' in the name doubled */
        ibmap_strbuf_put(&expr, "\"");
        for (const char *p = field_name(t, field_names, 0); *p; p++)
            ibmap_strbuf_putn(&expr, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
        ibmap_strbuf_put(&expr, "\"");
        if (expr.failed) b->failed = 1;
        sb_indent(b, level);
        ibmap_strbuf_put(b, "<previewExpression>");
        sb_esc(b, expr.s);
        ibmap_strbuf_put(b, "</previewExpression>\n");
        free(expr.s);
    }
    sb_indent(b, level);
    /* 2 = polygon, 4 = no geometry (QgsWkbTypes::GeometryType). */
    ibmap_strbuf_printf(b, "<layerGeometryType>%d</layerGeometryType>\n", t->spatial ? 2 : 4);
}

char *out_style_qml(const out_model *m, const out_table *t, const char *const *field_names)
{
    (void)m;   /* the style depends on the table alone */
    if (!t) return NULL;
    const table_look *lk = &looks[look_index(t->name)];
    ibmap_strbuf b = {0};
    ibmap_strbuf_put(&b, QGIS_DOCTYPE);
    ibmap_strbuf_put(&b, "<qgis version=\"" QGIS_VERSION "\"");
    style_attributes(&b, label_column(t, lk) >= 0);
    ibmap_strbuf_put(&b, ">\n");
    style_elements(&b, 1, t, field_names);
    ibmap_strbuf_put(&b, "</qgis>\n");
    return ibmap_strbuf_take(&b);
}

/* ---------------------------------------------------------------------- */
/* SLD                                                                    */
/* ---------------------------------------------------------------------- */

/* SLD sizes are in pixels of 0.28 mm (the standard rendering pixel). */
static double mm_to_px(double mm)
{
    return mm / 0.28;
}

static void sld_param(ibmap_strbuf *b, int level, const char *name, const char *fmt, ...)
    IBMAP_PRINTF(4, 5);
static void sld_param(ibmap_strbuf *b, int level, const char *name, const char *fmt, ...)
{
    char value[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    sb_indent(b, level);
    ibmap_strbuf_printf(b, "<se:SvgParameter name=\"%s\">", name);
    sb_esc(b, value);
    ibmap_strbuf_put(b, "</se:SvgParameter>\n");
}

static void sld_stroke(ibmap_strbuf *b, int level, const unsigned char *rgb, double mm,
                       const char *style)
{
    sb_indent(b, level);
    ibmap_strbuf_put(b, "<se:Stroke>\n");
    sld_param(b, level + 1, "stroke", "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
    sld_param(b, level + 1, "stroke-width", "%.2f", mm_to_px(mm));
    sld_param(b, level + 1, "stroke-linejoin", "bevel");
    if (strcmp(style, "dash") == 0)
        sld_param(b, level + 1, "stroke-dasharray", "%.0f %.0f", mm_to_px(4 * mm),
                  mm_to_px(2 * mm));
    else if (strcmp(style, "dot") == 0)
        sld_param(b, level + 1, "stroke-dasharray", "%.0f %.0f", mm_to_px(mm),
                  mm_to_px(2 * mm));
    sb_indent(b, level);
    ibmap_strbuf_put(b, "</se:Stroke>\n");
}

static void sld_polygon(ibmap_strbuf *b, int level, const symbol_look *s)
{
    sb_indent(b, level);
    ibmap_strbuf_put(b, "<se:PolygonSymbolizer>\n");
    if (s->fill == FILL_SOLID && s->fill_rgb) {
        sb_indent(b, level + 1);
        ibmap_strbuf_put(b, "<se:Fill>\n");
        sld_param(b, level + 2, "fill", "#%02x%02x%02x", s->fill_rgb[0], s->fill_rgb[1],
                  s->fill_rgb[2]);
        if (s->fill_alpha < 255)
            sld_param(b, level + 2, "fill-opacity", "%.2f", s->fill_alpha / 255.0);
        sb_indent(b, level + 1);
        ibmap_strbuf_put(b, "</se:Fill>\n");
    } else if (s->fill == FILL_HATCH && s->fill_rgb) {
        /* As QGIS exports a LinePatternFill: a rotated line mark tiled. */
        int L = level + 1;
        sb_indent(b, L);
        ibmap_strbuf_put(b, "<se:Fill>\n");
        sb_indent(b, L + 1);
        ibmap_strbuf_put(b, "<se:GraphicFill>\n");
        sb_indent(b, L + 2);
        ibmap_strbuf_put(b, "<se:Graphic>\n");
        sb_indent(b, L + 3);
        ibmap_strbuf_put(b, "<se:Mark>\n");
        sb_indent(b, L + 4);
        ibmap_strbuf_put(b, "<se:WellKnownName>horline</se:WellKnownName>\n");
        sld_stroke(b, L + 4, s->fill_rgb, 0.3, "solid");
        sb_indent(b, L + 3);
        ibmap_strbuf_put(b, "</se:Mark>\n");
        sb_indent(b, L + 3);
        ibmap_strbuf_printf(b, "<se:Size>%.0f</se:Size>\n", mm_to_px(2.5));
        sb_indent(b, L + 3);
        ibmap_strbuf_put(b, "<se:Rotation><ogc:Literal>45</ogc:Literal></se:Rotation>\n");
        sb_indent(b, L + 2);
        ibmap_strbuf_put(b, "</se:Graphic>\n");
        sb_indent(b, L + 1);
        ibmap_strbuf_put(b, "</se:GraphicFill>\n");
        sb_indent(b, L);
        ibmap_strbuf_put(b, "</se:Fill>\n");
    }
    if (s->line_mm > 0 && s->line_rgb) sld_stroke(b, level + 1, s->line_rgb, s->line_mm,
                                                  s->line_style);
    sb_indent(b, level);
    ibmap_strbuf_put(b, "</se:PolygonSymbolizer>\n");
}

static void sld_rule_open(ibmap_strbuf *b, int level, const char *name)
{
    sb_indent(b, level);
    ibmap_strbuf_put(b, "<se:Rule>\n");
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "<se:Name>");
    sb_esc(b, name);
    ibmap_strbuf_put(b, "</se:Name>\n");
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "<se:Description>\n");
    sb_indent(b, level + 2);
    ibmap_strbuf_put(b, "<se:Title>");
    sb_esc(b, name);
    ibmap_strbuf_put(b, "</se:Title>\n");
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "</se:Description>\n");
}

static void sld_rule_close(ibmap_strbuf *b, int level)
{
    sb_indent(b, level);
    ibmap_strbuf_put(b, "</se:Rule>\n");
}

static void sld_text(ibmap_strbuf *b, int level, const char *field, const unsigned char *rgb)
{
    sb_indent(b, level);
    ibmap_strbuf_put(b, "<se:TextSymbolizer>\n");
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "<se:Label><ogc:PropertyName>");
    sb_esc(b, field);
    ibmap_strbuf_put(b, "</ogc:PropertyName></se:Label>\n");
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "<se:Font>\n");
    sld_param(b, level + 2, "font-family", "Noto Sans CJK SC");
    sld_param(b, level + 2, "font-size", "13");
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "</se:Font>\n");
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "<se:Halo><se:Radius>2</se:Radius><se:Fill>"
              "<se:SvgParameter name=\"fill\">#ffffff</se:SvgParameter></se:Fill></se:Halo>\n");
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "<se:Fill>\n");
    sld_param(b, level + 2, "fill", "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
    sb_indent(b, level + 1);
    ibmap_strbuf_put(b, "</se:Fill>\n");
    sb_indent(b, level);
    ibmap_strbuf_put(b, "</se:TextSymbolizer>\n");
}

char *out_style_sld(const out_model *m, const out_table *t, const char *const *field_names)
{
    (void)m;
    if (!t) return NULL;
    const table_look *lk = &looks[look_index(t->name)];
    ibmap_strbuf b = {0};
    ibmap_strbuf_put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<StyledLayerDescriptor xmlns=\"http://www.opengis.net/sld\" "
               "xmlns:ogc=\"http://www.opengis.net/ogc\" xmlns:se=\"http://www.opengis.net/se\" "
               "xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
               "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" version=\"1.1.0\" "
               "xsi:schemaLocation=\"http://www.opengis.net/sld "
               "http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd\">\n");
    ibmap_strbuf_put(&b, "  <NamedLayer>\n    <se:Name>");
    sb_esc(&b, t->name);
    ibmap_strbuf_put(&b, "</se:Name>\n    <UserStyle>\n      <se:Name>");
    sb_esc(&b, t->name);
    ibmap_strbuf_put(&b, "</se:Name>\n");
    if (t->label_zh && t->label_zh[0]) {
        ibmap_strbuf_put(&b, "      <se:Description>\n        <se:Title>");
        sb_esc(&b, t->label_zh);
        ibmap_strbuf_put(&b, "</se:Title>\n      </se:Description>\n");
    }
    /* A table without geometry has nothing to draw: its style names it and
    ** holds no rule. */
    if (t->spatial) {
        ibmap_strbuf_put(&b, "      <se:FeatureTypeStyle>\n");
        if (categorised(t)) {
            const char *attr = field_name(t, field_names, out_column_index(t, category_column(t)));
            for (int k = 0; k < category_count(t); k++) {
                char *label = category_label(t, k);
                if (!label) b.failed = 1;
                sld_rule_open(&b, 4, label ? label : "");
                free(label);
                ibmap_strbuf_put(&b, "          <ogc:Filter>\n            <ogc:PropertyIsEqualTo>\n"
                           "              <ogc:PropertyName>");
                sb_esc(&b, attr);
                ibmap_strbuf_put(&b, "</ogc:PropertyName>\n              <ogc:Literal>");
                sb_esc(&b, category_value(t, k));
                ibmap_strbuf_put(&b, "</ogc:Literal>\n            </ogc:PropertyIsEqualTo>\n"
                           "          </ogc:Filter>\n");
                symbol_look s = category_symbol(t, k);
                sld_polygon(&b, 5, &s);
                sld_rule_close(&b, 4);
            }
        } else {
            sld_rule_open(&b, 4, t->label_zh && t->label_zh[0] ? t->label_zh : t->name);
            sld_polygon(&b, 5, &lk->symbol);
            int lc = label_column(t, lk);
            if (lc >= 0)
                sld_text(&b, 5, field_name(t, field_names, lc),
                         lk->symbol.line_rgb ? lk->symbol.line_rgb : rgb_other);
            sld_rule_close(&b, 4);
        }
        ibmap_strbuf_put(&b, "      </se:FeatureTypeStyle>\n");
    }
    ibmap_strbuf_put(&b, "    </UserStyle>\n  </NamedLayer>\n</StyledLayerDescriptor>\n");
    return ibmap_strbuf_take(&b);
}

/* ---------------------------------------------------------------------- */
/* The project file                                                       */
/* ---------------------------------------------------------------------- */

/* The working CRS as QGIS describes it in a <spatialrefsys>. */
typedef struct crs_info {
    char *wkt;             /* WKT2:2019, one line */
    char *proj4;           /* "" when PROJ has no PROJ.4 form */
    char *name;
    char authid[128];      /* "EPSG:4549"; "" when the CRS has no id */
    char acronym[32];      /* "tmerc": the +proj= of the PROJ.4 form */
    int srid;              /* the EPSG code, or 0 */
    int geographic;
} crs_info;

static void crs_info_free(crs_info *ci)
{
    free(ci->wkt);
    free(ci->proj4);
    free(ci->name);
    memset(ci, 0, sizeof *ci);
}

static ibmap_status crs_info_get(ibmap_ctx *ctx, const char *crs, crs_info *ci)
{
    memset(ci, 0, sizeof *ci);
    PJ *pj = crs ? proj_create(ctx->proj, crs) : NULL;
    if (!pj)
        return ibmap_fail(ctx, IBMAP_ERR_CRS_INVALID, "CRS not understood: %s",
                          crs ? crs : "(none)");
    const char *wkt_options[] = {"MULTILINE=NO", NULL};
    const char *wkt = proj_as_wkt(ctx->proj, pj, PJ_WKT2_2019, wkt_options);
    const char *proj4 = proj_as_proj_string(ctx->proj, pj, PJ_PROJ_5, NULL);
    const char *name = proj_get_name(pj);
    const char *auth = proj_get_id_auth_name(pj, 0);
    const char *code = proj_get_id_code(pj, 0);
    ci->srid = ibmap_crs_epsg(ctx->proj, pj);
    ci->geographic = ibmap_crs_is_geographic(pj);
    if (auth && code) snprintf(ci->authid, sizeof ci->authid, "%s:%s", auth, code);
    else if (ci->srid) snprintf(ci->authid, sizeof ci->authid, "EPSG:%d", ci->srid);
    const char *pp = proj4 ? strstr(proj4, "+proj=") : NULL;
    if (pp) {
        pp += 6;
        size_t n = strcspn(pp, " ");
        if (n < sizeof ci->acronym) {
            memcpy(ci->acronym, pp, n);
            ci->acronym[n] = '\0';
        }
    }
    ci->wkt = wkt ? ibmap_strdup(wkt) : NULL;
    ci->proj4 = ibmap_strdup(proj4 ? proj4 : "");
    ci->name = ibmap_strdup(name ? name : "");
    proj_destroy(pj);
    if (!wkt) {
        crs_info_free(ci);
        return ibmap_fail(ctx, IBMAP_ERR_CRS_INVALID, "CRS %s has no WKT form", crs);
    }
    if (!ci->wkt || !ci->proj4 || !ci->name) {
        crs_info_free(ci);
        return ibmap_nomem(ctx);
    }
    return IBMAP_OK;
}

/* A complete <spatialrefsys>.  QGIS 3.22 rebuilds the CRS from the WKT
** when there is no srsid (an id in QGIS's own srs.db, which we cannot
** know), so the WKT is what matters; authid and proj4 are for older
** releases and for people reading the file. */
static void spatialrefsys(ibmap_strbuf *b, int level, const crs_info *ci)
{
    static const char *const tags[] = {"wkt", "proj4", "authid", "description",
                                       "projectionacronym"};
    const char *values[] = {ci->wkt, ci->proj4, ci->authid, ci->name, ci->acronym};
    sb_indent(b, level);
    ibmap_strbuf_put(b, "<spatialrefsys>\n");
    for (int i = 0; i < 5; i++) {
        sb_indent(b, level + 1);
        ibmap_strbuf_printf(b, "<%s>", tags[i]);
        sb_esc(b, values[i]);
        ibmap_strbuf_printf(b, "</%s>\n", tags[i]);
    }
    sb_indent(b, level + 1);
    ibmap_strbuf_printf(b, "<srid>%d</srid>\n", ci->srid);
    sb_indent(b, level + 1);
    ibmap_strbuf_printf(b, "<geographicflag>%s</geographicflag>\n", ci->geographic ? "true" : "false");
    sb_indent(b, level);
    ibmap_strbuf_put(b, "</spatialrefsys>\n");
}

/* The envelope of a spatial table's geometries; 0 when it has none. */
static int table_extent(ibmap_ctx *ctx, const out_table *t, double e[4])
{
    e[0] = e[1] = INFINITY;
    e[2] = e[3] = -INFINITY;
    GEOSWKBReader *rd = GEOSWKBReader_create_r(ctx->geos);
    for (int64_t r = 0; rd && t->wkb && r < t->n_rows; r++) {
        if (!t->wkb[r]) continue;
        GEOSGeometry *g = GEOSWKBReader_read_r(ctx->geos, rd, t->wkb[r], t->wkb_size[r]);
        double x0, y0, x1, y1;
        if (g && !GEOSisEmpty_r(ctx->geos, g) && GEOSGeom_getXMin_r(ctx->geos, g, &x0) &&
            GEOSGeom_getYMin_r(ctx->geos, g, &y0) && GEOSGeom_getXMax_r(ctx->geos, g, &x1) &&
            GEOSGeom_getYMax_r(ctx->geos, g, &y1)) {
            if (x0 < e[0]) e[0] = x0;
            if (y0 < e[1]) e[1] = y0;
            if (x1 > e[2]) e[2] = x1;
            if (y1 > e[3]) e[3] = y1;
        }
        if (g) GEOSGeom_destroy_r(ctx->geos, g);
    }
    if (rd) GEOSWKBReader_destroy_r(ctx->geos, rd);
    return e[0] <= e[2] && e[1] <= e[3];
}

static void extent_xml(ibmap_strbuf *b, int level, const char *tag, const double e[4])
{
    sb_indent(b, level);
    ibmap_strbuf_printf(b, "<%s>\n", tag);
    static const char *const names[4] = {"xmin", "ymin", "xmax", "ymax"};
    for (int i = 0; i < 4; i++) {
        sb_indent(b, level + 1);
        ibmap_strbuf_printf(b, "<%s>%.17g</%s>\n", names[i], e[i], names[i]);
    }
    sb_indent(b, level);
    ibmap_strbuf_printf(b, "</%s>\n", tag);
}

/* Where the map opens: the model's extent (the blocks'), or, when the
** blocks have no geometry, the extent of every spatial table; 0 when
** nothing has a geometry (QGIS then opens on its own default). */
static int view_extent(ibmap_ctx *ctx, const out_model *m, double view[4])
{
    memcpy(view, m->extent, sizeof m->extent);
    if (view[0] < view[2] && view[1] < view[3]) return 1;
    int any = 0;
    for (int i = 0; i < m->n_tables; i++) {
        double e[4];
        if (!m->tables[i].spatial || !table_extent(ctx, &m->tables[i], e)) continue;
        for (int k = 0; k < 2; k++) {
            if (!any || e[k] < view[k]) view[k] = e[k];
            if (!any || e[k + 2] > view[k + 2]) view[k + 2] = e[k + 2];
        }
        any = 1;
    }
    return any && view[0] < view[2] && view[1] < view[3];
}

/* The spatial tables in drawing order (top first), by index into m->tables;
** returns how many. */
static int drawing_order(const out_model *m, int *order)
{
    int n = 0;
    for (int l = 0; l < N_LOOKS; l++)
        for (int i = 0; i < m->n_tables; i++)
            if (m->tables[i].spatial && look_index(m->tables[i].name) == l) order[n++] = i;
    return n;
}

/* "工业区块 blocks": the Chinese name first, and the table's own name,
** which is the GeoPackage layer's. */
static void layer_title(ibmap_strbuf *b, const out_table *t)
{
    if (t->label_zh && t->label_zh[0]) {
        sb_esc(b, t->label_zh);
        ibmap_strbuf_put(b, " ");
    }
    sb_esc(b, t->name);
}

/* "./industrial_map.gpkg|layername=blocks": relative to the project file
** (see <Paths> below), as QGIS writes a relative source. */
static void layer_source(ibmap_strbuf *b, const char *gpkg, const out_table *t)
{
    int relative = gpkg[0] != '/' && strncmp(gpkg, "./", 2) != 0 &&
                   strncmp(gpkg, "../", 3) != 0;
    if (relative) ibmap_strbuf_put(b, "./");
    sb_esc(b, gpkg);
    ibmap_strbuf_put(b, "|layername=");
    sb_esc(b, t->name);
}

static void layer_tree(ibmap_strbuf *b, const out_model *m, const int *order, int n,
                       const char *gpkg)
{
    ibmap_strbuf_put(b, "  <layer-tree-group>\n    <customproperties/>\n");
    for (int k = 0; k < n; k++) {
        const out_table *t = &m->tables[order[k]];
        const table_look *lk = &looks[look_index(t->name)];
        ibmap_strbuf_put(b, "    <layer-tree-layer id=\"ibmap_");
        sb_esc(b, t->name);
        ibmap_strbuf_put(b, "\" name=\"");
        layer_title(b, t);
        ibmap_strbuf_put(b, "\" source=\"");
        layer_source(b, gpkg, t);
        ibmap_strbuf_printf(b, "\" providerKey=\"ogr\" checked=\"%s\" expanded=\"%d\">\n",
                  lk->visible ? "Qt::Checked" : "Qt::Unchecked", categorised(t) ? 1 : 0);
        ibmap_strbuf_put(b, "      <customproperties/>\n    </layer-tree-layer>\n");
    }
    ibmap_strbuf_put(b, "    <custom-order enabled=\"0\">\n");
    for (int k = 0; k < n; k++) {
        ibmap_strbuf_put(b, "      <item>ibmap_");
        sb_esc(b, m->tables[order[k]].name);
        ibmap_strbuf_put(b, "</item>\n");
    }
    ibmap_strbuf_put(b, "    </custom-order>\n  </layer-tree-group>\n");
}

static void map_layer(ibmap_ctx *ctx, ibmap_strbuf *b, const out_table *t, const char *gpkg,
                      const crs_info *crs)
{
    const table_look *lk = &looks[look_index(t->name)];
    ibmap_strbuf_put(b, "    <maplayer type=\"vector\" geometry=\"Polygon\" wkbType=\"MultiPolygon\"");
    style_attributes(b, label_column(t, lk) >= 0);
    ibmap_strbuf_put(b, ">\n");
    double e[4];
    if (table_extent(ctx, t, e)) extent_xml(b, 3, "extent", e);
    ibmap_strbuf_put(b, "      <id>ibmap_");
    sb_esc(b, t->name);
    ibmap_strbuf_put(b, "</id>\n      <datasource>");
    layer_source(b, gpkg, t);
    ibmap_strbuf_put(b, "</datasource>\n      <layername>");
    layer_title(b, t);
    ibmap_strbuf_put(b, "</layername>\n      <srs>\n");
    spatialrefsys(b, 4, crs);
    ibmap_strbuf_put(b, "      </srs>\n");
    ibmap_strbuf_put(b, "      <provider encoding=\"UTF-8\">ogr</provider>\n");
    ibmap_strbuf_put(b, "      <map-layer-style-manager current=\"default\">\n"
              "        <map-layer-style name=\"default\"/>\n"
              "      </map-layer-style-manager>\n");
    ibmap_strbuf_put(b, "      <flags>\n        <Identifiable>1</Identifiable>\n"
              "        <Removable>1</Removable>\n        <Searchable>1</Searchable>\n"
              "        <Private>0</Private>\n      </flags>\n");
    style_elements(b, 3, t, NULL);
    ibmap_strbuf_put(b, "    </maplayer>\n");
}

/* The project's text: the layer tree (what the legend shows, top first),
** the map canvas on the blocks, the layers with their styles. */
static char *project_xml(ibmap_ctx *ctx, const out_model *m, const char *gpkg,
                         const crs_info *crs, const int *order, int n)
{
    double view[4];
    int has_view = view_extent(ctx, m, view);
    const char *title = m->title ? m->title : "";
    ibmap_strbuf b = {0};
    ibmap_strbuf_put(&b, QGIS_DOCTYPE);
    ibmap_strbuf_put(&b, "<qgis version=\"" QGIS_VERSION "\" projectname=\"");
    sb_esc(&b, title);
    ibmap_strbuf_put(&b, "\">\n  <homePath path=\"\"/>\n  <title>");
    sb_esc(&b, title);
    ibmap_strbuf_put(&b, "</title>\n  <autotransaction active=\"0\"/>\n"
               "  <evaluateDefaultValues active=\"0\"/>\n  <trust active=\"0\"/>\n");
    ibmap_strbuf_put(&b, "  <projectCrs>\n");
    spatialrefsys(&b, 2, crs);
    ibmap_strbuf_put(&b, "  </projectCrs>\n");
    layer_tree(&b, m, order, n, gpkg);
    /* Where the desktop's map opens: on the blocks.  QGIS 3.22 reads
    ** <mapcanvas>; <DefaultViewExtent> below says the same to QGIS's API. */
    if (has_view) {
        ibmap_strbuf_put(&b, "  <mapcanvas name=\"theMapCanvas\" annotationsVisible=\"1\">\n"
                   "    <units>meters</units>\n");
        extent_xml(&b, 2, "extent", view);
        ibmap_strbuf_put(&b, "    <rotation>0</rotation>\n    <destinationsrs>\n");
        spatialrefsys(&b, 3, crs);
        ibmap_strbuf_put(&b, "    </destinationsrs>\n    <rendermaptile>0</rendermaptile>\n"
                   "    <expressionContextScope/>\n  </mapcanvas>\n");
    }
    ibmap_strbuf_put(&b, "  <projectlayers>\n");
    for (int k = 0; k < n; k++) map_layer(ctx, &b, &m->tables[order[k]], gpkg, crs);
    ibmap_strbuf_put(&b, "  </projectlayers>\n  <layerorder>\n");
    for (int k = 0; k < n; k++) {
        ibmap_strbuf_put(&b, "    <layer id=\"ibmap_");
        sb_esc(&b, m->tables[order[k]].name);
        ibmap_strbuf_put(&b, "\"/>\n");
    }
    ibmap_strbuf_put(&b, "  </layerorder>\n");
    ibmap_strbuf_put(&b, "  <properties>\n"
               "    <Paths>\n      <Absolute type=\"bool\">false</Absolute>\n    </Paths>\n"
               "    <SpatialRefSys>\n"
               "      <ProjectionsEnabled type=\"int\">1</ProjectionsEnabled>\n"
               "    </SpatialRefSys>\n"
               "    <Measurement>\n"
               "      <DistanceUnits type=\"QString\">meters</DistanceUnits>\n"
               "      <AreaUnits type=\"QString\">m2</AreaUnits>\n"
               "    </Measurement>\n"
               "  </properties>\n");
    ibmap_strbuf_put(&b, "  <ProjectViewSettings UseProjectScales=\"0\" rotation=\"0\">\n"
               "    <Scales/>\n");
    if (has_view) {
        ibmap_strbuf_printf(&b, "    <DefaultViewExtent xmin=\"%.17g\" ymin=\"%.17g\" xmax=\"%.17g\" "
                      "ymax=\"%.17g\">\n",
                  view[0], view[1], view[2], view[3]);
        spatialrefsys(&b, 3, crs);
        ibmap_strbuf_put(&b, "    </DefaultViewExtent>\n");
    }
    ibmap_strbuf_put(&b, "  </ProjectViewSettings>\n");
    ibmap_strbuf_put(&b, "  <projectMetadata>\n    <title>");
    sb_esc(&b, title);
    ibmap_strbuf_put(&b, "</title>\n    <abstract>scenario: ");
    sb_esc(&b, m->scenario ? m->scenario : "");
    ibmap_strbuf_put(&b, "; rules: ");
    sb_esc(&b, m->rules_name ? m->rules_name : "");
    ibmap_strbuf_put(&b, "; data: ");
    sb_esc(&b, m->data_date ? m->data_date : "");
    ibmap_strbuf_put(&b, "</abstract>\n    <author>ibmap " IBMAP_VERSION_STRING "</author>\n"
               "  </projectMetadata>\n");
    ibmap_strbuf_put(&b, "</qgis>\n");
    return ibmap_strbuf_take(&b);
}

static int write_text(FILE *f, const void *arg)
{
    const char *text = arg;
    size_t n = strlen(text);
    return fwrite(text, 1, n, f) == n;
}

ibmap_status out_write_qgs(ibmap_ctx *ctx, const out_model *m, const char *path,
                           const char *gpkg_name)
{
    if (!m || !path || !gpkg_name)
        return ibmap_fail(ctx, IBMAP_ERR_ARG, "out_write_qgs: NULL argument");
    crs_info crs;
    ibmap_status s = crs_info_get(ctx, m->crs, &crs);
    if (s) return s;
    int *order = malloc(((size_t)m->n_tables + 1) * sizeof *order);
    char *xml = order ? project_xml(ctx, m, gpkg_name, &crs, order, drawing_order(m, order))
                      : NULL;
    s = xml ? ibmap_write_file(ctx, path, write_text, xml)
            : ibmap_nomem(ctx);
    free(xml);
    free(order);
    crs_info_free(&crs);
    return s;
}

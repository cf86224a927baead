#!/usr/bin/python3
# qgis_check.py — open the outputs of `ibmap run` in real QGIS (PyQGIS) and
# check that QGIS reads them as the user would see them: the GeoPackage's
# blocks styled by the layer_styles default, Chinese text and aliases
# intact, Shapefiles (UTF-8 and GBK) with their .qml applied, the project
# file opening every layer, and a rendered map showing the class colours.
#
#   /usr/bin/python3 tests/qgis_check.py OUTDIR --blocks N
#       [--gbk-shp DIR] [--png FILE]
#
# Run with Debian's /usr/bin/python3 (python3-qgis), not another Python.
# Prints one line per check, "PASS name" or "FAIL name: why", in a fixed
# order (test_qgis.sh turns each into a TAP line), and exits 1 if any
# failed.  A check whose input is missing fails; none is skipped silently.
import argparse
import csv
import os
import sys
import traceback
from collections import Counter

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402  (QT_QPA_PLATFORM must be set first)
    QgsApplication,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor, QImage  # noqa: E402

CLASSES = {"support": "扶持发展", "consolidate": "整合改造",
           "exit": "清理退出", "unclassifiable": "未能分类"}
# out_class_rgb in engine/output/output.h.
CLASS_RGB = {"support": (0x2e, 0x9e, 0x4f), "consolidate": (0xf2, 0xa9, 0x00),
             "exit": (0xd7, 0x30, 0x27), "unclassifiable": (0x9e, 0x9e, 0x9e)}

failures = 0


class CheckFailed(Exception):
    pass


def require(cond, why):
    if not cond:
        raise CheckFailed(why)


def check(name, fn):
    """Run one check and print its outcome; never lets an error escape."""
    global failures
    try:
        fn()
        print(f"PASS {name}", flush=True)
    except CheckFailed as e:
        failures += 1
        print(f"FAIL {name}: {e}", flush=True)
    except Exception:  # a bug or a QGIS error: show where
        failures += 1
        tb = traceback.format_exc().strip().splitlines()
        print(f"FAIL {name}: {tb[-1]}", flush=True)
        for line in tb:
            print(f"#   {line}", flush=True)


def field_map(shp_dir):
    """{(table, column): field} from FIELDS.csv (UTF-8 with a BOM)."""
    path = os.path.join(shp_dir, "FIELDS.csv")
    require(os.path.exists(path), f"{path} is missing")
    with open(path, encoding="utf-8-sig", newline="") as f:
        return {(r["table"], r["column"]): r["field"] for r in csv.DictReader(f)}


def class_by_block(layer, id_field, zh_field):
    out = {}
    for feat in layer.getFeatures():
        out[feat[id_field]] = feat[zh_field]
    return out


def check_categorized(layer, attr):
    r = layer.renderer()
    require(r is not None, "the layer has no renderer")
    require(r.type() == "categorizedSymbol",
            f"renderer is {r.type()}, not categorizedSymbol (style not applied)")
    require(r.classAttribute() == attr,
            f"categorised on {r.classAttribute()!r}, not {attr!r}")
    values = {c.value() for c in r.categories()}
    require(values == set(CLASSES), f"categories {sorted(values)}")
    for c in r.categories():
        want = CLASS_RGB[c.value()]
        got = c.symbol().color()
        require((got.red(), got.green(), got.blue()) == want,
                f"category {c.value()} colour {got.name()}")
        require(CLASSES[c.value()] in c.label(), f"category label {c.label()!r}")


# The 项目清单 categories of the enterprises layer and their fills
# (engine/output/output.h out_category_rgb).
CATEGORIES = {"eliminate": "整治淘汰类", "upgrade": "改造提升类", "cluster": "园区集聚类",
              "relocate": "搬迁拆除类", "none": "不列入"}
CATEGORY_RGB = {"none": (0xd9, 0xd9, 0xd9), "eliminate": (0x67, 0x00, 0x1f),
                "upgrade": (0xe6, 0x61, 0x01), "cluster": (0x5e, 0x3c, 0x99),
                "relocate": (0x05, 0x71, 0xb0)}


def check_enterprises_categorized(layer):
    r = layer.renderer()
    require(r is not None and r.type() == "categorizedSymbol",
            f"enterprises renderer is {r.type() if r else None}, not categorizedSymbol")
    require(r.classAttribute() == "category", f"categorised on {r.classAttribute()!r}")
    require({c.value() for c in r.categories()} == set(CATEGORIES),
            f"categories {sorted(c.value() for c in r.categories())}")
    for c in r.categories():
        got = c.symbol().color()
        require((got.red(), got.green(), got.blue()) == CATEGORY_RGB[c.value()],
                f"category {c.value()} colour {got.name()}")
        require(c.label().startswith(CATEGORIES[c.value()]), f"category label {c.label()!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--blocks", type=int, required=True, help="expected block count")
    ap.add_argument("--gbk-shp", help="a Shapefile directory written with GBK")
    ap.add_argument("--png", help="where to save the rendered map")
    a = ap.parse_args()

    app = QgsApplication([], False)
    app.initQgis()

    gpkg = os.path.join(a.outdir, "industrial_map.gpkg")
    state = {}

    def gpkg_blocks_valid():
        require(os.path.exists(gpkg), f"{gpkg} is missing")
        layer = QgsVectorLayer(f"{gpkg}|layername=blocks", "blocks", "ogr")
        require(layer.isValid(), "QGIS cannot open the blocks layer")
        require(layer.featureCount() == a.blocks,
                f"{layer.featureCount()} blocks, expected {a.blocks}")
        state["gpkg"] = layer

    def gpkg_default_style_categorized():
        # Applied by QGIS itself on opening (layer_styles, useAsDefault=1):
        # nothing is loaded by hand.
        require("gpkg" in state, "no blocks layer")
        check_categorized(state["gpkg"], "class")

    def gpkg_enterprises_categorized():
        # One feature per enterprise (the rows of enterprise_class.csv),
        # styled by its 项目清单 category with the Chinese names.
        layer = QgsVectorLayer(f"{gpkg}|layername=enterprises", "enterprises", "ogr")
        require(layer.isValid(), "QGIS cannot open the enterprises layer")
        with open(os.path.join(a.outdir, "enterprise_class.csv"), encoding="utf-8-sig",
                  newline="") as f:
            n = sum(1 for _ in csv.DictReader(f))
        require(layer.featureCount() == n, f"{layer.featureCount()} enterprises, expected {n}")
        check_enterprises_categorized(layer)
        idx = layer.fields().indexOf("category_zh")
        require(idx >= 0 and layer.attributeAlias(idx) != "", "category_zh has no alias")

    def gpkg_aliases_chinese():
        layer = state.get("gpkg")
        require(layer is not None, "no blocks layer")
        idx = layer.fields().indexOf("tax_per_mu")
        require(idx >= 0, "no tax_per_mu field")
        require(layer.attributeAlias(idx) == "亩均税收",
                f"alias of tax_per_mu is {layer.attributeAlias(idx)!r}")
        idx = layer.fields().indexOf("class")
        require(layer.attributeAlias(idx) != "", "class has no alias")

    def gpkg_class_zh_chinese():
        layer = state.get("gpkg")
        require(layer is not None, "no blocks layer")
        by_id = class_by_block(layer, "block_id", "class_zh")
        require(len(by_id) == a.blocks, f"{len(by_id)} distinct block_id values")
        bad = {v for v in by_id.values() if v not in CLASSES.values()}
        require(not bad, f"class_zh values not Chinese class names: {sorted(map(str, bad))[:5]}")
        for feat in layer.getFeatures():
            require(CLASSES[feat["class"]] == feat["class_zh"],
                    f"block {feat['block_id']}: class {feat['class']} but class_zh {feat['class_zh']}")
        state["class_zh"] = by_id

    def shapefile_checks(shp_dir, label):
        def text_intact():
            require("class_zh" in state, "no GeoPackage values to compare with")
            names = field_map(shp_dir)
            path = os.path.join(shp_dir, "blocks.shp")
            require(os.path.exists(path), f"{path} is missing")
            layer = QgsVectorLayer(path, "blocks", "ogr")
            require(layer.isValid(), f"QGIS cannot open {path}")
            require(layer.featureCount() == a.blocks,
                    f"{layer.featureCount()} blocks, expected {a.blocks}")
            by_id = class_by_block(layer, names[("blocks", "block_id")],
                                   names[("blocks", "class_zh")])
            require(by_id == state["class_zh"],
                    "class_zh differs from the GeoPackage's for "
                    f"{sum(1 for k in by_id if by_id[k] != state['class_zh'].get(k))} blocks"
                    f" (e.g. {next((v for k, v in by_id.items() if v != state['class_zh'].get(k)), None)!r})")
            state[label] = (layer, names)

        def qml_applied():
            require(label in state, "no Shapefile layer")
            layer, names = state[label]
            # QGIS applies blocks.qml beside blocks.shp when it opens it.
            check_categorized(layer, names[("blocks", "class")])
            field = names[("blocks", "tax_per_mu")]
            idx = layer.fields().indexOf(field)
            require(idx >= 0, f"no field {field}")
            require(layer.attributeAlias(idx) == "亩均税收",
                    f"alias of {field} is {layer.attributeAlias(idx)!r}")

        check(f"{label}_text_intact", text_intact)
        check(f"{label}_qml_applied", qml_applied)

    def qgs_layers_valid():
        path = os.path.join(a.outdir, "industrial_map.qgs")
        require(os.path.exists(path), f"{path} is missing")
        project = QgsProject.instance()
        require(project.read(path), f"QGIS cannot read {path}: {project.error()}")
        layers = list(project.mapLayers().values())
        require(len(layers) >= 1, "the project has no layer")
        invalid = [l.name() for l in layers if not l.isValid()]
        require(not invalid, f"invalid layers: {invalid}")
        require(project.crs().isValid(), "the project's CRS is invalid")
        for layer in layers:
            require(layer.crs() == project.crs(),
                    f"{layer.name()} is in {layer.crs().authid()}, the project in "
                    f"{project.crs().authid()}")
        blocks = [l for l in layers if l.source().endswith("layername=blocks")]
        require(len(blocks) == 1, f"{len(blocks)} blocks layers in the project")
        state["project"] = project
        state["blocks_layer"] = blocks[0]

    def qgs_blocks_categorized():
        project = state.get("project")
        require(project is not None, "the project did not open")
        blocks = state["blocks_layer"]
        check_categorized(blocks, "class")
        require(blocks.featureCount() == a.blocks,
                f"{blocks.featureCount()} blocks through the project")
        order = [l.source().split("layername=")[-1]
                 for l in project.layerTreeRoot().layerOrder()]
        require(order[-1] == "towns" if "towns" in order else True,
                f"towns are not at the bottom: {order}")
        require(order.index("blocks") > order.index("redline") if "redline" in order else True,
                f"red lines are drawn under the blocks: {order}")
        ents = [l for l in project.mapLayers().values()
                if l.source().endswith("layername=enterprises")]
        require(len(ents) == 1, f"{len(ents)} enterprises layers in the project")
        check_enterprises_categorized(ents[0])
        node = project.layerTreeRoot().findLayer(ents[0].id())
        require(not node.isVisible(), "enterprises are shown over the blocks when it opens")
        require(order.index("enterprises") < order.index("blocks"),
                f"enterprises are drawn under the blocks: {order}")
        parcels = [l for l in project.mapLayers().values()
                   if l.source().endswith("layername=parcels")]
        if parcels:
            node = project.layerTreeRoot().findLayer(parcels[0].id())
            require(not node.isVisible(), "parcels are shown when the project opens")

    def qgs_render_png():
        project = state.get("project")
        require(project is not None, "the project did not open")
        blocks = state.get("blocks_layer")
        require(blocks is not None, "no blocks layer")
        settings = QgsMapSettings()
        # Checked layers, top first, as the legend shows them.
        settings.setLayers(project.layerTreeRoot().checkedLayers())
        settings.setDestinationCrs(project.crs())
        settings.setBackgroundColor(QColor(255, 255, 255))
        settings.setOutputSize(QSize(1200, 900))
        extent = QgsRectangle(blocks.extent())
        extent.scale(1.05)
        settings.setExtent(extent)
        job = QgsMapRendererSequentialJob(settings)
        job.start()
        job.waitForFinished()
        img = job.renderedImage().convertToFormat(QImage.Format_RGB32)
        require(img.width() == 1200 and img.height() == 900, "wrong image size")
        if a.png:
            require(img.save(a.png), f"cannot save {a.png}")
        ptr = img.constBits()
        ptr.setsize(img.sizeInBytes())
        data = bytes(ptr)
        # Format_RGB32 in memory: B, G, R, 0xff.
        counts = Counter(data[i:i + 3] for i in range(0, len(data), 4))
        require(len(counts) > 2, "the image is blank")

        def pixels(rgb):
            return counts.get(bytes((rgb[2], rgb[1], rgb[0])), 0)

        present = {f["class"] for f in blocks.getFeatures() if f.hasGeometry()}
        missing = [c for c in present if pixels(CLASS_RGB[c]) < 50]
        require(not missing, f"class colours missing from the map: {missing} "
                f"({ {c: pixels(CLASS_RGB[c]) for c in present} })")
        require(len(present) >= 2, f"only {len(present)} class(es) on the map")

    check("gpkg_blocks_valid", gpkg_blocks_valid)
    check("gpkg_default_style_categorized", gpkg_default_style_categorized)
    check("gpkg_enterprises_categorized", gpkg_enterprises_categorized)
    check("gpkg_aliases_chinese", gpkg_aliases_chinese)
    check("gpkg_class_zh_chinese", gpkg_class_zh_chinese)
    shapefile_checks(os.path.join(a.outdir, "shp"), "shp_utf8")
    if a.gbk_shp:
        shapefile_checks(a.gbk_shp, "shp_gbk")
    check("qgs_layers_valid", qgs_layers_valid)
    check("qgs_blocks_categorized", qgs_blocks_categorized)
    check("qgs_render_png", qgs_render_png)

    QgsProject.instance().clear()
    state.clear()
    app.exitQgis()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

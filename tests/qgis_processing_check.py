#!/usr/bin/python3
# qgis_processing_check.py — the ibmap Processing provider
# (qgis/ibmap_processing) in real headless QGIS: every algorithm run with
# processing.run() on the sample city, its layers opened in QGIS from a
# GeoPackage, as a memory layer and from PostGIS, and the results compared
# with `ibmap run`'s (the reference output directory REF).
#
#   /usr/bin/python3 tests/qgis_processing_check.py --plugins DIR --ibmap EXE
#       --gpkg CITY.gpkg --ref REF --out DIR [--pg-port PORT]
#
# Prints one line per check, "PASS name", "FAIL name: why" or
# "SKIP name: why", in a fixed order (test_qgis_processing.sh turns each
# into a TAP line), and exits 1 if any failed.
import argparse
import csv
import glob
import os
import sqlite3
import subprocess
import sys
import traceback

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, "/usr/share/qgis/python/plugins")  # Processing itself

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsDataSourceUri,
    QgsFeature,
    QgsProcessingFeedback,
    QgsProject,
    QgsVectorLayer,
)

ROLES = ["blocks", "parcels", "landuse", "redline", "control_units", "parks", "central",
         "transition", "basic_farmland", "towns"]
# The sample city under the default rules (docs/rules.md; the same
# figures `ibmap run` prints and test_fgb.sh checks): the 7 unclassifiable
# blocks are those whose tax was not collected (no_data).
SAMPLE_CLASSES = {"SUPPORT": 29, "CONSOLIDATE": 244, "EXIT": 20, "UNCLASSIFIABLE": 7}

failures = 0


class CheckFailed(Exception):
    pass


class Skip(Exception):
    pass


def require(cond, why):
    if not cond:
        raise CheckFailed(why)


def check(name, fn):
    global failures
    try:
        fn()
        print(f"PASS {name}", flush=True)
    except Skip as e:
        print(f"SKIP {name}: {e}", flush=True)
    except CheckFailed as e:
        failures += 1
        print(f"FAIL {name}: {e}", flush=True)
    except Exception:
        failures += 1
        tb = traceback.format_exc().strip().splitlines()
        print(f"FAIL {name}: {tb[-1]}", flush=True)
        for line in tb:
            print(f"#   {line}", flush=True)


class Feedback(QgsProcessingFeedback):
    """Keeps the log; cancels when ibmap reports the stage `cancel_at`."""

    def __init__(self, cancel_at=None):
        super().__init__()
        self.log, self.commands, self.progress, self.stages = [], [], [], []
        self.cancel_at = cancel_at
        self.progressChanged.connect(self.progress.append)

    def setProgressText(self, text):  # noqa: N802
        self.stages.append(text)
        if self.cancel_at and self.cancel_at in text:
            self.cancel()

    def pushInfo(self, text):  # noqa: N802
        self.log.append(text)

    def pushCommandInfo(self, text):  # noqa: N802
        self.commands.append(text)

    def reportError(self, text, fatalError=False):  # noqa: N802,N803
        self.log.append("ERROR " + text)


def blocks_table(gpkg):
    """{block_id: (class, area_mu, tax_sum, value_added_sum)} of a GeoPackage."""
    with sqlite3.connect(gpkg) as db:
        return {r[0]: r[1:] for r in db.execute(
            "SELECT block_id, class, area_mu, tax_sum, value_added_sum FROM blocks")}


def same_blocks(gpkg, ref):
    got, want = blocks_table(gpkg), blocks_table(ref)
    require(len(got) == 300, f"{len(got)} blocks")
    bad = [b for b in want if b not in got or got[b][0] != want[b][0]
           or abs(got[b][1] - want[b][1]) > 1e-6 * max(1.0, abs(want[b][1]))]
    require(not bad, f"{len(bad)} blocks differ from ibmap run's, e.g. {bad[:3]}: "
            f"{[(got.get(b), want[b]) for b in bad[:2]]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--ibmap", required=True)
    ap.add_argument("--gpkg", required=True)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--pg-port")
    a = ap.parse_args()
    ref_gpkg = os.path.join(a.ref, "industrial_map.gpkg")
    rules = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "layers",
                         "rules", "cixi-2021.yaml")

    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing
    from processing.core.ProcessingConfig import ProcessingConfig
    import processing
    Processing.initialize()
    sys.path.insert(0, a.plugins)
    import ibmap_processing
    plugin = ibmap_processing.classFactory(None)
    plugin.initProcessing()
    # The provider's own setting, as a user sets it in the options dialog
    # (which then refreshes the providers).
    ProcessingConfig.setSettingValue("IBMAP_EXECUTABLE", a.ibmap)
    plugin.provider.refreshAlgorithms()
    project = QgsProject.instance()

    def gpkg_layers():
        out = {}
        for role in ROLES:
            layer = QgsVectorLayer(f"{a.gpkg}|layername={role}", f"gpkg {role}", "ogr")
            require(layer.isValid(), f"{a.gpkg}: {role} does not open")
            project.addMapLayer(layer)
            out[role.upper()] = layer.id()
        return out

    common = {"CRS": "EPSG:4549", "LANDUSE_CODES": 1, "RULES": rules}
    state = {}

    def algorithms_listed():
        provider = QgsApplication.processingRegistry().providerById("ibmap")
        require(provider is not None, "no ibmap provider")
        names = sorted(alg.displayName() for alg in provider.algorithms())
        require(names == ["Check layers", "Compare scenarios", "Industrial map (run)",
                          "Reclassify (classify)", "Sweep a parameter"], f"{names}")
        run = provider.algorithm("run")
        params = {p.name(): p.type() for p in run.parameterDefinitions()}
        require(params.get("PARAMS") == "matrix", "PARAMS is not a matrix")
        require(params.get("FIELD_PARCELS_TAX") == "field", "no field picker for parcels.tax")
        require(run.parameterDefinition("FIELD_PARCELS_TAX").parentLayerParameterName()
                == "PARCELS", "parcels.tax does not list the parcels layer's fields")

    def check_layers():
        state["gpkg_layers"] = gpkg_layers()
        log = os.path.join(a.out, "check_dq.csv")
        fb = Feedback()
        res = processing.run("ibmap:check", dict(state["gpkg_layers"], **common, LOG=log),
                             feedback=fb)
        require(os.path.exists(log), "no data-quality log")
        with open(log, encoding="utf-8-sig") as f:
            rows = sum(1 for _ in csv.reader(f)) - 1
        require(res["DEFECTS"] == rows, f"DEFECTS {res['DEFECTS']}, the log has {rows} rows")
        require(any(l.startswith("blocks: 300 features") for l in fb.log),
                f"no 'blocks: 300 features' in the log: {fb.log[:3]}")

    def run_from_gpkg():
        require("gpkg_layers" in state, "no layers")
        folder = os.path.join(a.out, "run_gpkg")
        fb = Feedback()
        res = processing.run("ibmap:run", dict(state["gpkg_layers"], **common,
                                              OUTPUT_FOLDER=folder), feedback=fb)
        got = {k: res[k] for k in SAMPLE_CLASSES}
        require(got == SAMPLE_CLASSES, f"classes {got}")
        same_blocks(res["GPKG"], ref_gpkg)
        require(fb.progress and max(fb.progress) == 100, f"progress {fb.progress[-3:]}")
        require(any("--progress lines" in c for c in fb.commands), "not run with --progress")
        state["run_folder"] = folder

    def results_loaded_styled():
        require("run_folder" in state, "no run")
        group = project.layerTreeRoot().findGroup("ibmap default — run_gpkg")
        require(group is not None, "no layer-tree group for the run")
        names = [n.layer().name() for n in group.findLayers()]
        require(names == ["redline", "parks", "central", "transition", "blocks", "parcels",
                          "basic_farmland", "control_units", "towns"], f"group holds {names}")
        blocks = [n.layer() for n in group.findLayers() if n.layer().name() == "blocks"][0]
        r = blocks.renderer()
        require(r.type() == "categorizedSymbol" and r.classAttribute() == "class",
                f"blocks renderer {r.type()} (the GeoPackage's default style not applied)")
        require(blocks.featureCount() == 300, f"{blocks.featureCount()} blocks")
        parcels = group.findLayers()[5]
        require(not parcels.isVisible(), "parcels shown")

    def run_from_memory_layer():
        require("gpkg_layers" in state, "no layers")
        src = QgsVectorLayer(f"{a.gpkg}|layername=blocks", "src", "ogr")
        mem = QgsVectorLayer("MultiPolygon?crs=EPSG:4549", "blocks in memory", "memory")
        mem.dataProvider().addAttributes(src.fields().toList())
        mem.updateFields()
        feats = []
        for f in src.getFeatures():
            g = QgsFeature(mem.fields())
            g.setAttributes(f.attributes())
            g.setGeometry(f.geometry())
            feats.append(g)
        mem.dataProvider().addFeatures(feats)
        require(mem.featureCount() == 300, f"{mem.featureCount()} features in memory")
        project.addMapLayer(mem)
        params = dict(state["gpkg_layers"], **common, BLOCKS=mem.id(),
                      OUTPUT_FOLDER=os.path.join(a.out, "run_memory"), LOAD=False)
        fb = Feedback()
        res = processing.run("ibmap:run", params, feedback=fb)
        require(any("layers_for_ibmap.gpkg:blocks" in c for c in fb.commands),
                f"the memory layer was not exported: {fb.commands}")
        require({k: res[k] for k in SAMPLE_CLASSES} == SAMPLE_CLASSES, f"{res}")
        # Field order and names survive the export: block ids, hence
        # everything, are the same.
        got, want = blocks_table(res["GPKG"]), blocks_table(ref_gpkg)
        require({b: v[0] for b, v in got.items()} == {b: v[0] for b, v in want.items()},
                "block classes differ")

    def run_from_postgis():
        if not a.pg_port:
            raise Skip("no PostgreSQL server (PostgreSQL 15 + PostGIS not installed)")
        params = dict(common, OUTPUT_FOLDER=os.path.join(a.out, "run_pg"), LOAD=False)
        for role in ROLES:
            uri = QgsDataSourceUri()
            uri.setConnection("127.0.0.1", a.pg_port, "city", "ibmap", "")
            uri.setDataSource("public", role, "geom", "", "fid")
            layer = QgsVectorLayer(uri.uri(False), f"pg {role}", "postgres")
            require(layer.isValid(), f"PostGIS table {role} does not open in QGIS")
            project.addMapLayer(layer)
            params[role.upper()] = layer.id()
        fb = Feedback()
        res = processing.run("ibmap:run", params, feedback=fb)
        require(any("--blocks 'PG:dbname=" in c for c in fb.commands),
                f"PostGIS layers not given to ibmap as PG: sources: {fb.commands}")
        require({k: res[k] for k in SAMPLE_CLASSES} == SAMPLE_CLASSES, f"{res}")
        same_blocks(res["GPKG"], ref_gpkg)

    def field_picked_overrides_alias():
        require("gpkg_layers" in state, "no layers")
        # parcels.tax is SSHJ by ibmap's aliases; picked by hand: ZJZ (the
        # value added column).  Each block's tax_sum must then be the
        # reference run's value_added_sum.
        params = dict(state["gpkg_layers"], **common, FIELD_PARCELS_TAX="ZJZ",
                      OUTPUT_FOLDER=os.path.join(a.out, "run_field"), LOAD=False)
        fb = Feedback()
        res = processing.run("ibmap:run", params, feedback=fb)
        require(any("--field parcels.tax=ZJZ" in c for c in fb.commands), f"{fb.commands}")
        got, want = blocks_table(res["GPKG"]), blocks_table(ref_gpkg)
        differs = 0
        for b, (_, _, tax, va) in want.items():
            require(got[b][2] == va or (got[b][2] is None and va is None),
                    f"block {b}: tax_sum {got[b][2]}, value_added_sum of the reference {va}")
            differs += tax != va
        require(differs > 100, f"only {differs} blocks where tax and value added differ")

    def alias_preselected():
        from ibmap_processing.ibmap_cli import match_alias, role_fields
        layer = QgsVectorLayer(f"{a.gpkg}|layername=parcels", "p", "ogr")
        fields = [f.name() for f in layer.fields()]
        by_name = {c: acc for c, _, _, acc in role_fields()["parcels"]}
        got = {c: match_alias(fields, [c] + by_name[c]) for c in ("tax", "value_added", "id")}
        require(got == {"tax": "SSHJ", "value_added": "ZJZ", "id": "ZDDM"}, f"{got}")
        alg = QgsApplication.processingRegistry().algorithmById("ibmap:run")
        meta = alg.parameterDefinition("FIELD_PARCELS_TAX").metadata()
        require("sshj" in meta.get("ibmap_accepted", []), f"accepted names {meta}")

    def cancel_leaves_no_output():
        require("gpkg_layers" in state, "no layers")
        folder = os.path.join(a.out, "run_cancelled")
        # Cancelled as the overlay begins, the way a user presses Cancel.
        fb = Feedback(cancel_at="overlay")
        try:
            res = processing.run("ibmap:run", dict(state["gpkg_layers"], **common,
                                                  OUTPUT_FOLDER=folder), feedback=fb)
        except Exception as e:  # QGIS may report the cancellation as an error
            res = {"error": str(e)}
        require(fb.isCanceled(), "never cancelled")
        require(not res.get("GPKG"), f"results returned: {res}")
        require(any("stopped (status 130)" in l for l in fb.log),
                f"ibmap did not stop on SIGINT: {fb.log[-3:]}")
        left = [os.path.basename(p) for p in glob.glob(os.path.join(folder, "*"))]
        require(not left, f"left in the output folder: {left}")
        require(project.layerTreeRoot().findGroup("ibmap default — run_cancelled") is None,
                "a group was added")

    def classify_params():
        require("run_folder" in state, "no run")
        ws = os.path.join(state["run_folder"], "workspace.sqlite")
        fb = Feedback()
        res = processing.run("ibmap:classify", {
            "WORKSPACE": ws, "RULES": rules, "PARAMS": ["tax_floor", "25"],
            "SCENARIO": "tax25", "OUTPUT_FOLDER": os.path.join(a.out, "classify_tax25"),
            "FORMATS": [0]}, feedback=fb)
        # The same as the command line, on the same workspace.
        out = subprocess.run([a.ibmap, "sweep", ws, "--rules", rules, "--param", "tax_floor",
                              "--from", "25", "--to", "25", "--step", "1"],
                             stdout=subprocess.PIPE, check=True, text=True).stdout
        row = next(csv.DictReader(out.splitlines()))
        want = {k: int(row[f"{k.lower()}_blocks"]) for k in SAMPLE_CLASSES}
        got = {k: res[k] for k in SAMPLE_CLASSES}
        require(got == want, f"classify {got}, sweep at 25 {want}")
        require(got != SAMPLE_CLASSES, "tax_floor=25 changed nothing: the param was not applied")
        require(blocks_table(res["GPKG"]) and
                sum(1 for v in blocks_table(res["GPKG"]).values() if v[0] == "support")
                == want["SUPPORT"], "the written map does not hold the tax25 classes")
        state["ws"] = ws
        state["tax25"] = got

    def compare_scenarios():
        require("ws" in state, "no scenario")
        csv_path = os.path.join(a.out, "compare.csv")
        res = processing.run("ibmap:compare", {"WORKSPACE": state["ws"], "SCENARIO_A": "default",
                                               "SCENARIO_B": "tax25", "OUTPUT": csv_path})
        with open(csv_path, encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
        require(res["CHANGED"] == len(rows) > 0, f"CHANGED {res['CHANGED']}, CSV {len(rows)}")
        # Raising the tax floor only moves blocks out of support.
        require(res["CHANGED"] >= SAMPLE_CLASSES["SUPPORT"] - state["tax25"]["SUPPORT"],
                f"{res['CHANGED']} changed, support fell by "
                f"{SAMPLE_CLASSES['SUPPORT'] - state['tax25']['SUPPORT']}")

    def sweep_param():
        require("ws" in state, "no workspace")
        csv_path = os.path.join(a.out, "sweep.csv")
        res = processing.run("ibmap:sweep", {"WORKSPACE": state["ws"], "RULES": rules,
                                             "PARAM": "tax_floor", "FROM": 5, "TO": 35,
                                             "STEP": 10, "OUTPUT": csv_path})
        with open(csv_path, encoding="utf-8-sig") as f:   # every CSV has a BOM
            rows = list(csv.DictReader(f))
        require(res["VALUES"] == 4 == len(rows), f"VALUES {res['VALUES']}, rows {len(rows)}")
        by_value = {float(r["value"]): {k: int(r[f"{k.lower()}_blocks"]) for k in SAMPLE_CLASSES}
                    for r in rows}
        # 5, 15, 25, 35: at 5, the rules' own value, the run's classes; at
        # 25 the reclassification's.
        require(by_value.get(5.0) == SAMPLE_CLASSES, f"at 5: {by_value.get(5.0)}")
        require(by_value.get(25.0) == state["tax25"], f"at 25: {by_value.get(25.0)}")

    check("algorithms_listed", algorithms_listed)
    check("check_layers", check_layers)
    check("run_from_gpkg", run_from_gpkg)
    check("results_loaded_styled", results_loaded_styled)
    check("run_from_memory_layer", run_from_memory_layer)
    check("run_from_postgis", run_from_postgis)
    check("field_picked_overrides_alias", field_picked_overrides_alias)
    check("alias_preselected", alias_preselected)
    check("cancel_leaves_no_output", cancel_leaves_no_output)
    check("classify_params", classify_params)
    check("compare_scenarios", compare_scenarios)
    check("sweep_param", sweep_param)

    project.clear()
    plugin.unload()
    app.exitQgis()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

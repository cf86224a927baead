"""The ibmap algorithms of the Processing Toolbox.  Each builds an ibmap
command line from its parameters, runs it (ibmap_cli.run: progress bar,
cancel, log) and reports what ibmap printed.

  Check layers            ibmap check    — load every layer, data-quality log
  Industrial map (run)    ibmap run      — metrics, classes, the styled map
  Reclassify (classify)   ibmap classify — other rules/params on a workspace
  Compare scenarios       ibmap compare  — transition matrix of two scenarios
  Sweep a parameter       ibmap sweep    — class counts per value of a param

Layers: any vector layer QGIS has open.  ibmap opens file layers and
PostGIS tables itself; the rest is exported first (sources.py).  Field
pickers: one per canonical field of each role (`ibmap fields`), optional —
empty means "ibmap's own alias matching"; the dialog pre-selects the field
ibmap would match, and a field picked by hand becomes --field
ROLE.CANONICAL=FIELD, which wins over the aliases.

Uses no API newer than QGIS 3.22.
"""
import os
import re
import tempfile

from qgis.core import (
    QgsDataSourceUri,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputFolder,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterDatabaseSchema,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMatrix,
    QgsProcessingParameterNumber,
    QgsProcessingParameterProviderConnection,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsProject,
    QgsProviderRegistry,
    QgsVectorLayer,
)

from . import ibmap_cli
from .ibmap_cli import REQUIRED_ROLES, ROLE_LABELS, ROLES, IbmapError, role_flag
from .sources import ibmap_source

try:  # the dialog's pre-selection of ibmap's alias (a Processing GUI class)
    from .field_widget import AliasFieldWidgetWrapper
except Exception:  # no GUI (qgis_process, a bare script) or another QGIS
    AliasFieldWidgetWrapper = None

CLASSES = ["support", "consolidate", "exit", "unclassifiable"]
# --formats names; new ones go at the end, so that saved models' indices hold
FORMATS = ["gpkg", "qgs", "sqlite", "shp", "geojson", "fgb", "summaries", "map", "report",
           "towns", "plans"]
LANDUSE_CODES = ["", "sandiao", "ydyh", "gb50137"]
AREAS = ["planar", "ellipsoidal"]
# The GeoPackage's spatial tables in drawing order, top first (as in
# industrial_map.qgs); parcels are listed but not shown.
DRAWING_ORDER = ["redline", "parks", "central", "transition", "blocks", "parcels",
                 "basic_farmland", "control_units", "towns"]


def field_param_name(role, canonical):
    return f"FIELD_{role}_{canonical}".upper()


def _advanced(param):
    param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
    return param


class IbmapAlgorithm(QgsProcessingAlgorithm):
    """What every ibmap algorithm shares."""

    def group(self):
        return "ibmap"

    def groupId(self):  # noqa: N802
        return "ibmap"

    def createInstance(self):  # noqa: N802
        return type(self)()

    def shortHelpString(self):  # noqa: N802
        return self.__doc__ or ""

    # -- parameters shared by several algorithms -------------------------
    def add_rules_params(self, with_scenario=True):
        self.addParameter(QgsProcessingParameterFile(
            "RULES", "Rules file (YAML; empty: the bundled cixi-2021.yaml)",
            extension="yaml", optional=True))
        self.addParameter(QgsProcessingParameterMatrix(
            "PARAMS", "Rule params (--set name=value)", numberRows=1,
            hasFixedNumberRows=False, headers=["param", "value"], defaultValue=None,
            optional=True))
        if with_scenario:
            self.addParameter(QgsProcessingParameterString(
                "SCENARIO", "Scenario name", defaultValue="default"))

    def rules_args(self, parameters, context, with_scenario=True):
        args = []
        rules = self.parameterAsFile(parameters, "RULES", context)
        if rules:
            args += ["--rules", rules]
        values = self.parameterAsMatrix(parameters, "PARAMS", context) or []
        for i in range(0, len(values) - 1, 2):
            name, value = str(values[i] or "").strip(), str(values[i + 1] or "").strip()
            if not name:
                continue
            if not value:
                raise QgsProcessingException(f"rule param {name!r} has no value")
            args += ["--set", f"{name}={value}"]
        if with_scenario:
            scenario = self.parameterAsString(parameters, "SCENARIO", context)
            if scenario:
                args += ["--scenario", scenario]
        return args

    def add_output_params(self, optional_folder=False):
        self.addParameter(QgsProcessingParameterEnum(
            "FORMATS", "Output formats", options=FORMATS, allowMultiple=True,
            defaultValue=[0, 1, 6]))
        self.addParameter(QgsProcessingParameterBoolean(
            "OVERWRITE", "Replace existing outputs (--overwrite)", defaultValue=False))
        self.addParameter(_advanced(QgsProcessingParameterString(
            "TITLE", "Map and report title", optional=True)))
        self.addParameter(_advanced(QgsProcessingParameterProviderConnection(
            "PG_CONNECTION", "Also write to PostGIS: connection (--formats postgis)",
            "postgres", optional=True)))
        self.addParameter(_advanced(QgsProcessingParameterDatabaseSchema(
            "PG_SCHEMA", "PostGIS schema (made if missing)", "PG_CONNECTION",
            defaultValue="ibmap", optional=True)))
        self.addParameter(QgsProcessingParameterBoolean(
            "LOAD", "Add the results to the project (styled, in a group)",
            defaultValue=True))
        folder = QgsProcessingParameterFolderDestination(
            "OUTPUT_FOLDER", "Output folder", optional=optional_folder,
            createByDefault=not optional_folder)
        self.addParameter(folder)
        self.addOutput(QgsProcessingOutputFile("GPKG", "industrial_map.gpkg"))
        self.addOutput(QgsProcessingOutputString("PG_SCHEMA_WRITTEN", "PostGIS schema written"))

    def output_args(self, parameters, context, folder):
        formats = [FORMATS[i] for i in self.parameterAsEnums(parameters, "FORMATS", context)]
        load = self.parameterAsBool(parameters, "LOAD", context)
        pg_name = self.parameterAsConnectionName(parameters, "PG_CONNECTION", context)
        if load and "gpkg" not in formats and not pg_name:
            formats.insert(0, "gpkg")  # what the results are loaded from
        args = ["-o", folder]
        self._pg = None
        if pg_name:
            metadata = QgsProviderRegistry.instance().providerMetadata("postgres")
            try:
                conn = metadata.findConnection(pg_name)
            except Exception as e:
                raise QgsProcessingException(f"PostGIS connection {pg_name!r}: {e}")
            uri = QgsDataSourceUri(conn.uri())
            schema = self.parameterAsSchema(parameters, "PG_SCHEMA", context) or "ibmap"
            formats.append("postgis")
            args += ["--pg", "PG:" + uri.connectionInfo(True), "--pg-schema", schema]
            self._pg = (conn.uri(), schema)
        if not formats:
            raise QgsProcessingException("choose at least one output format")
        args += ["--formats", ",".join(formats)]
        if self.parameterAsBool(parameters, "OVERWRITE", context):
            args.append("--overwrite")
        title = self.parameterAsString(parameters, "TITLE", context)
        if title:
            args += ["--title", title]
        self._load = load
        self._folder = folder
        gpkg = os.path.join(folder, "industrial_map.gpkg")
        self._gpkg = gpkg if "gpkg" in formats or "qgs" in formats else None
        return args

    # -- loading the results -------------------------------------------------
    def postProcessAlgorithm(self, context, feedback):  # noqa: N802
        if not getattr(self, "_load", False) or not getattr(self, "_completed", False):
            return {}
        project = context.project() or QgsProject.instance()
        layers = []
        for table in DRAWING_ORDER:
            if self._gpkg and os.path.exists(self._gpkg):
                layer = QgsVectorLayer(f"{self._gpkg}|layername={table}", table, "ogr")
            elif self._pg:
                uri = QgsDataSourceUri(self._pg[0])
                uri.setDataSource(self._pg[1], table, "geom", "", "fid")
                layer = QgsVectorLayer(uri.uri(False), table, "postgres")
            else:
                break
            if layer.isValid():  # a role not given has no table
                layers.append(layer)
        if not layers:
            return {}
        # The layer's default style (layer_styles, useAsDefault) was
        # applied when it was created: QgsVectorLayer loads it.
        name = f"ibmap {self._scenario} — {os.path.basename(self._folder.rstrip(os.sep))}"
        root = project.layerTreeRoot()
        old = root.findGroup(name)
        if old is not None:  # a rerun replaces its own group
            project.removeMapLayers([n.layerId() for n in old.findLayers()])
            root.removeChildNode(old)
        group = root.insertGroup(0, name)
        for layer in layers:
            project.addMapLayer(layer, False)
            node = group.addLayer(layer)
            if layer.name() == "parcels":
                node.setItemVisibilityChecked(False)
        feedback.pushInfo(f"{len(layers)} layers added to the project in group {name!r}")
        return {}


class LayerInputs:
    """The layer pickers (one per role), field pickers and load settings
    that check and run share."""

    def add_layer_params(self):
        fields = ibmap_cli.role_fields()
        for role in ROLES:
            self.addParameter(QgsProcessingParameterVectorLayer(
                role.upper(), ROLE_LABELS[role], [QgsProcessing.TypeVectorPolygon],
                optional=role not in REQUIRED_ROLES))
        self.addParameter(QgsProcessingParameterCrs(
            "CRS", "Working CRS (empty: the CGCS2000 zone of the blocks)", optional=True))
        self.addParameter(_advanced(QgsProcessingParameterEnum(
            "AREA", "Areas", options=AREAS, defaultValue=0)))
        self.addParameter(_advanced(QgsProcessingParameterEnum(
            "LANDUSE_CODES", "Land-use code system",
            options=["(ibmap's default)", "sandiao 三调", "ydyh 用地用海", "gb50137"],
            defaultValue=0)))
        for role in ROLES:
            for canonical, required, label, accepted in fields.get(role, []):
                p = QgsProcessingParameterField(
                    field_param_name(role, canonical),
                    f"{role}: field for {canonical} {label}"
                    f"{' (required)' if required else ''}",
                    parentLayerParameterName=role.upper(), optional=True)
                p.setFlags(p.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
                metadata = {"ibmap_accepted": [canonical] + accepted}
                if AliasFieldWidgetWrapper is not None:
                    metadata["widget_wrapper"] = {"class": AliasFieldWidgetWrapper}
                p.setMetadata(metadata)
                self.addParameter(p)

    def layer_args(self, parameters, context, feedback, tmpdir):
        args = []
        tmp_gpkg = os.path.join(tmpdir, "layers_for_ibmap.gpkg")
        for role in ROLES:
            layer = self.parameterAsVectorLayer(parameters, role.upper(), context)
            if layer is None:
                if role in REQUIRED_ROLES:
                    raise QgsProcessingException(f"no layer for {role}")
                continue
            source = ibmap_source(parameters.get(role.upper()), layer, role, tmp_gpkg,
                                  feedback, context)
            args += [role_flag(role), source]
        crs = self.parameterAsCrs(parameters, "CRS", context)
        if crs.isValid():
            args += ["--crs", crs.authid() or crs.toWkt()]
        args += ["--area", AREAS[self.parameterAsEnum(parameters, "AREA", context)]]
        codes = LANDUSE_CODES[self.parameterAsEnum(parameters, "LANDUSE_CODES", context)]
        if codes:
            args += ["--set", f"landuse.codes={codes}"]
        for role in ROLES:
            for canonical, _, _, _ in ibmap_cli.role_fields().get(role, []):
                name = field_param_name(role, canonical)
                if name not in parameters or parameters[name] in (None, ""):
                    continue
                picked = self.parameterAsFields(parameters, name, context)
                if picked:
                    args += ["--field", f"{role}.{canonical}={picked[0]}"]
                    feedback.pushInfo(f"{role}.{canonical} ← {picked[0]} (picked)")
        return args


def _classes_from_json(result):
    counts = {}
    for k in CLASSES:
        counts[k.upper()] = (result or {}).get("classes", {}).get(k, {}).get("blocks", 0)
    return counts


class CheckAlgorithm(LayerInputs, IbmapAlgorithm):
    """Load every layer as ibmap would (encoding, CRS, fields, geometry
    repairs) and write the data-quality log; nothing is computed.  The
    summary per layer is in the log."""

    def name(self):
        return "check"

    def displayName(self):  # noqa: N802
        return "Check layers"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_layer_params()
        self.addParameter(QgsProcessingParameterFileDestination(
            "LOG", "Data-quality log", "CSV files (*.csv)"))
        self.addOutput(QgsProcessingOutputNumber("DEFECTS", "Entries in the log"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        log = self.parameterAsFileOutput(parameters, "LOG", context)
        with tempfile.TemporaryDirectory(prefix="ibmap-") as tmp:
            try:
                args = ["check"] + self.layer_args(parameters, context, feedback, tmp)
                out = ibmap_cli.run_checked(args + ["--log", log, "--json"], feedback,
                                            what="ibmap check")
            except IbmapError as e:
                raise QgsProcessingException(str(e))
        if out is None:
            return {}
        result = ibmap_cli.json_result(out) or {}
        for role, info in result.get("layers", {}).items():
            problems = ", ".join(f"{k} {v}" for k, v in info.get("problems", {}).items())
            feedback.pushInfo(f"{role}: {info.get('features')} features "
                              f"({info.get('with_geometry')} with geometry), "
                              f"{info.get('crs_used')}; {problems or 'no defects'}")
        return {"LOG": log, "DEFECTS": result.get("defects", 0)}


class RunAlgorithm(LayerInputs, IbmapAlgorithm):
    """Everything: load the layers, measure every block against the zones,
    classify it (support 扶持发展, consolidate 整合改造, exit 清理退出) under
    the rules, and write the industrial map into the output folder; the
    styled layers are added to the project in a group."""

    def name(self):
        return "run"

    def displayName(self):  # noqa: N802
        return "Industrial map (run)"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_layer_params()
        self.add_rules_params()
        self.addParameter(_advanced(QgsProcessingParameterNumber(
            "THREADS", "Threads (0: every core)", QgsProcessingParameterNumber.Integer,
            defaultValue=0, minValue=0, maxValue=64)))
        self.add_output_params()
        self.addOutput(QgsProcessingOutputFolder("OUTPUT_FOLDER", "Output folder"))
        for k in CLASSES:
            self.addOutput(QgsProcessingOutputNumber(k.upper(), f"Blocks classed {k}"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        folder = self.parameterAsString(parameters, "OUTPUT_FOLDER", context)
        self._scenario = self.parameterAsString(parameters, "SCENARIO", context) or "default"
        with tempfile.TemporaryDirectory(prefix="ibmap-") as tmp:
            try:
                args = ["run"] + self.layer_args(parameters, context, feedback, tmp)
                args += self.rules_args(parameters, context)
                args += self.output_args(parameters, context, folder)
                args += ["--threads", str(self.parameterAsInt(parameters, "THREADS", context))]
                out = ibmap_cli.run_checked(args + ["--json", "--progress", "lines"],
                                            feedback, what="ibmap run")
            except IbmapError as e:
                raise QgsProcessingException(str(e))
        if out is None:
            return {}
        self._completed = True
        result = ibmap_cli.json_result(out) or {}
        counts = _classes_from_json(result)
        feedback.pushInfo("classes: " + ", ".join(f"{k.lower()} {v}" for k, v in counts.items()))
        outputs = {"OUTPUT_FOLDER": folder, "GPKG": self._gpkg or "",
                   "PG_SCHEMA_WRITTEN": self._pg[1] if self._pg else ""}
        outputs.update(counts)
        return outputs


class ClassifyAlgorithm(IbmapAlgorithm):
    """Classify the blocks of a workspace (workspace.sqlite of an earlier
    run) again, under other rules or params, without measuring anything
    again; the scenario is stored in the workspace.  With an output folder,
    that scenario's industrial map is written and added to the project."""

    def name(self):
        return "classify"

    def displayName(self):  # noqa: N802
        return "Reclassify (classify)"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            "WORKSPACE", "Workspace (workspace.sqlite of a run)", extension="sqlite"))
        self.add_rules_params()
        self.addParameter(QgsProcessingParameterFileDestination(
            "CSV", "Blocks and classes (CSV)", "CSV files (*.csv)", optional=True,
            createByDefault=False))
        self.add_output_params(optional_folder=True)
        self.addOutput(QgsProcessingOutputFolder("OUTPUT_FOLDER", "Output folder"))
        for k in CLASSES:
            self.addOutput(QgsProcessingOutputNumber(k.upper(), f"Blocks classed {k}"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        workspace = self.parameterAsFile(parameters, "WORKSPACE", context)
        self._scenario = self.parameterAsString(parameters, "SCENARIO", context) or "default"
        args = ["classify", workspace] + self.rules_args(parameters, context)
        if "--rules" not in args:
            args += ["--rules", _bundled_rules()]
        csv = self.parameterAsFileOutput(parameters, "CSV", context) \
            if parameters.get("CSV") not in (None, "") else ""
        if csv:
            args += ["--csv", csv]
        folder = self.parameterAsString(parameters, "OUTPUT_FOLDER", context) \
            if parameters.get("OUTPUT_FOLDER") not in (None, "") else ""
        self._load = False
        if folder:
            args += self.output_args(parameters, context, folder)
        try:
            out = ibmap_cli.run_checked(args + ["--progress", "lines"], feedback,
                                        what="ibmap classify")
        except IbmapError as e:
            raise QgsProcessingException(str(e))
        if out is None:
            return {}
        self._completed = True
        counts = {k.upper(): 0 for k in CLASSES}
        for line in out:
            feedback.pushInfo(line)
            m = re.match(r"\s+(support|consolidate|exit|unclassifiable)\s+\S+\s+(\d+)\s", line)
            if m:
                counts[m.group(1).upper()] = int(m.group(2))
        result = {"OUTPUT_FOLDER": folder, "CSV": csv,
                  "GPKG": getattr(self, "_gpkg", None) or "",
                  "PG_SCHEMA_WRITTEN": self._pg[1] if getattr(self, "_pg", None) else ""}
        result.update(counts)
        return result


def _bundled_rules():
    """classify and sweep need a rules file: without one, the rules `ibmap
    run` uses by default, found beside the program (share/ibmap/rules) or
    in the source tree it was built from."""
    exe = os.path.realpath(ibmap_cli.executable())
    here = os.path.dirname(exe)
    for candidate in (os.path.join(here, "..", "share", "ibmap", "rules", "cixi-2021.yaml"),
                      os.path.join(here, "..", "layers", "rules", "cixi-2021.yaml")):
        if os.path.exists(candidate):
            return os.path.normpath(candidate)
    raise QgsProcessingException("no rules file given and the bundled cixi-2021.yaml "
                                 "was not found beside ibmap: choose one")


class CompareAlgorithm(IbmapAlgorithm):
    """The transition matrix between two scenarios of a workspace: how many
    blocks (and 亩) go from each class to each other; the CSV lists the
    blocks that changed class."""

    def name(self):
        return "compare"

    def displayName(self):  # noqa: N802
        return "Compare scenarios"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            "WORKSPACE", "Workspace (workspace.sqlite of a run)", extension="sqlite"))
        self.addParameter(QgsProcessingParameterString("SCENARIO_A", "Scenario A",
                                                       defaultValue="default"))
        self.addParameter(QgsProcessingParameterString("SCENARIO_B", "Scenario B"))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "Blocks that changed class (CSV)", "CSV files (*.csv)"))
        self.addOutput(QgsProcessingOutputNumber("CHANGED", "Blocks that changed class"))
        self.addOutput(QgsProcessingOutputString("MATRIX", "Transition matrix (text)"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        csv = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        args = ["compare", self.parameterAsFile(parameters, "WORKSPACE", context),
                self.parameterAsString(parameters, "SCENARIO_A", context),
                self.parameterAsString(parameters, "SCENARIO_B", context), "--csv", csv]
        try:
            out = ibmap_cli.run_checked(args, feedback, what="ibmap compare")
        except IbmapError as e:
            raise QgsProcessingException(str(e))
        if out is None:
            return {}
        changed = 0
        for line in out:
            feedback.pushInfo(line)
            m = re.match(r"(\d+) of (\d+) blocks changed class", line)
            if m:
                changed = int(m.group(1))
        return {"OUTPUT": csv, "CHANGED": changed, "MATRIX": "\n".join(out)}


class SweepAlgorithm(IbmapAlgorithm):
    """Classify with one param set to each value from FROM to TO by STEP
    (nothing stored) and count the blocks and 亩 of each class per value:
    how sensitive the classes are to that param."""

    def name(self):
        return "sweep"

    def displayName(self):  # noqa: N802
        return "Sweep a parameter"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            "WORKSPACE", "Workspace (workspace.sqlite of a run)", extension="sqlite"))
        self.add_rules_params(with_scenario=False)
        self.addParameter(QgsProcessingParameterString("PARAM", "Param to sweep",
                                                       defaultValue="tax_floor"))
        for name, label, default in (("FROM", "From", 2.0), ("TO", "To", 10.0),
                                     ("STEP", "Step", 1.0)):
            self.addParameter(QgsProcessingParameterNumber(
                name, label, QgsProcessingParameterNumber.Double, defaultValue=default))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT", "Classes per value (CSV)", "CSV files (*.csv)"))
        self.addOutput(QgsProcessingOutputNumber("VALUES", "Values swept"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        csv = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        args = ["sweep", self.parameterAsFile(parameters, "WORKSPACE", context)]
        args += self.rules_args(parameters, context, with_scenario=False)
        if "--rules" not in args:
            args += ["--rules", _bundled_rules()]
        step = self.parameterAsDouble(parameters, "STEP", context)
        if step == 0:
            raise QgsProcessingException("the step cannot be 0")
        args += ["--param", self.parameterAsString(parameters, "PARAM", context),
                 "--from", repr(self.parameterAsDouble(parameters, "FROM", context)),
                 "--to", repr(self.parameterAsDouble(parameters, "TO", context)),
                 "--step", repr(step), "--csv", csv]
        try:
            out = ibmap_cli.run_checked(args, feedback, what="ibmap sweep")
        except IbmapError as e:
            raise QgsProcessingException(str(e))
        if out is None:
            return {}
        n = 0
        for line in out:
            feedback.pushInfo(line)
            m = re.match(r"(\d+) values of", line)
            if m:
                n = int(m.group(1))
        return {"OUTPUT": csv, "VALUES": n}


ALGORITHMS = [CheckAlgorithm, RunAlgorithm, ClassifyAlgorithm, CompareAlgorithm,
              SweepAlgorithm]

"""Turning a layer QGIS has open into a source ibmap can read.

  - a file layer (provider "ogr") without a filter: its path, and ":LAYER"
    for a layer of a multi-layer file (city.gpkg:parcels);
  - a PostGIS layer (provider "postgres") on a table or view without a
    filter: "PG:<connection>:<schema>.<table>", read by ibmap itself through
    GDAL's PostgreSQL driver;
  - anything else (memory layers, WFS, delimited text, virtual layers, a
    file or PostGIS layer with a subset filter or selected features only,
    which ibmap would not see): the features are written to a temporary
    GeoPackage, field names unchanged, and that is given to ibmap.
"""
import os

from qgis.core import (
    QgsCoordinateTransformContext,
    QgsDataSourceUri,
    QgsProcessingFeatureSourceDefinition,
    QgsProviderRegistry,
    QgsVectorFileWriter,
)


def _ogr_source(layer):
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    path = parts.get("path") or ""
    if not path or not os.path.isfile(path) or parts.get("subset") or layer.subsetString():
        return None
    name = parts.get("layerName") or ""
    if not name and parts.get("layerId") not in (None, "", 0, "0"):
        return None  # a layer by number: which one is not certain; export
    if name and ":" in name:
        return None
    if name and os.path.splitext(path)[1].lower() in (".shp", ".geojson", ".json", ".fgb"):
        name = ""  # single-layer formats: the file is the layer
    return f"{path}:{name}" if name else path


def _pg_source(layer):
    uri = QgsDataSourceUri(layer.source())
    table = uri.table()
    if (not table or table.startswith("(") or uri.sql() or layer.subsetString()
            or any(c in table for c in "=' \":")):
        return None
    schema = uri.schema()
    if schema and any(c in schema for c in "=' \":."):
        return None
    conn = uri.connectionInfo(True)  # authcfg expanded: ibmap has no QGIS auth db
    qualified = f"{schema}.{table}" if schema else table
    return f"PG:{conn}:{qualified}"


def direct_source(layer):
    """The source string ibmap opens itself, or None when it must be
    exported."""
    provider = layer.providerType()
    if provider == "ogr":
        return _ogr_source(layer)
    if provider == "postgres":
        return _pg_source(layer)
    return None


def export_layer(layer, path, layer_name, feedback, context=None, selected_only=False):
    """Write `layer`'s features to the GeoPackage `path` as `layer_name`
    (added to the file when it exists).  Returns "path:layer_name"."""
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = layer_name
    options.fileEncoding = "UTF-8"
    options.onlySelectedFeatures = selected_only
    options.actionOnExistingFile = (QgsVectorFileWriter.CreateOrOverwriteLayer
                                    if os.path.exists(path)
                                    else QgsVectorFileWriter.CreateOrOverwriteFile)
    transform_context = (context.transformContext() if context is not None
                         else QgsCoordinateTransformContext())
    result = QgsVectorFileWriter.writeAsVectorFormatV2(layer, path, transform_context, options)
    error = result[0] if isinstance(result, tuple) else result
    if error != QgsVectorFileWriter.NoError:
        message = result[1] if isinstance(result, tuple) and len(result) > 1 else ""
        raise RuntimeError(f"cannot export layer {layer.name()!r} for ibmap: {message}")
    if feedback:
        feedback.pushInfo(f"{layer_name}: layer {layer.name()!r} ({layer.providerType()}) "
                          f"exported to {path} ({layer.featureCount()} features)")
    return f"{path}:{layer_name}"


def ibmap_source(parameter_value, layer, role, tmp_gpkg, feedback, context=None):
    """The source to give ibmap for the layer chosen for `role`."""
    selected_only = (isinstance(parameter_value, QgsProcessingFeatureSourceDefinition)
                     and parameter_value.selectedFeaturesOnly)
    source = None if selected_only else direct_source(layer)
    if source:
        return source
    return export_layer(layer, tmp_gpkg, role, feedback, context, selected_only)

"""ibmap Processing: a QGIS Processing provider that runs the ibmap program."""


def classFactory(iface):  # noqa: N802  (QGIS's name)
    from .plugin import IbmapPlugin
    return IbmapPlugin(iface)

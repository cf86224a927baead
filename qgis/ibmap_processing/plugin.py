"""The plugin object QGIS loads: it only registers the Processing provider
(initProcessing, so that the provider also exists in qgis_process and in
headless scripts that never call initGui)."""
from qgis.core import QgsApplication


class IbmapPlugin:
    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None

    def initProcessing(self):  # noqa: N802
        from .provider import IbmapProvider
        if self.provider is None:
            self.provider = IbmapProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None

"""The ibmap Processing provider: its algorithms and its one setting, the
path of the ibmap program (Settings → Options → Processing → Providers →
ibmap; empty: `ibmap` on PATH)."""
from qgis.core import QgsProcessingProvider

from .ibmap_cli import SETTING_EXECUTABLE


class IbmapProvider(QgsProcessingProvider):
    def id(self):
        return "ibmap"

    def name(self):
        return "ibmap"

    def longName(self):  # noqa: N802
        return "ibmap — industrial-block analysis 工业区块分析"

    def load(self):
        try:
            from processing.core.ProcessingConfig import ProcessingConfig, Setting
            ProcessingConfig.settingIcons[self.name()] = self.icon()
            ProcessingConfig.addSetting(Setting(
                self.name(), SETTING_EXECUTABLE,
                "ibmap executable (empty: ibmap on PATH)", "",
                valuetype=Setting.FILE))
            ProcessingConfig.readSettings()
        except ImportError:  # Processing plugin not there: PATH only
            pass
        self.refreshAlgorithms()
        return True

    def unload(self):
        try:
            from processing.core.ProcessingConfig import ProcessingConfig
            ProcessingConfig.removeSetting(SETTING_EXECUTABLE)
        except ImportError:
            pass

    def loadAlgorithms(self):  # noqa: N802
        from .algorithms import ALGORITHMS
        for cls in ALGORITHMS:
            self.addAlgorithm(cls())

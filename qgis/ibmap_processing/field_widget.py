"""The field picker of the dialog, pre-selecting the field ibmap itself
would take for the canonical field (its aliases, `ibmap fields`) whenever
the layer above it changes.  The user can pick another (it then becomes
--field ROLE.CANONICAL=FIELD and wins) or none (ibmap's matching applies).

Built on Processing's TableFieldWidgetWrapper (QGIS 3.x; deprecated for
4.0, when this import fails and the plain C++ field picker is used)."""
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from processing.gui.wrappers import TableFieldWidgetWrapper

from .ibmap_cli import match_alias


class AliasFieldWidgetWrapper(TableFieldWidgetWrapper):
    def __init__(self, *args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            super().__init__(*args, **kwargs)

    def refreshItems(self):  # noqa: N802
        super().refreshItems()
        if self._layer is None or self.parameterDefinition().allowMultiple():
            return
        accepted = self.parameterDefinition().metadata().get("ibmap_accepted", [])
        match = match_alias([f.name() for f in self._layer.fields()], accepted)
        if match:
            self.setValue(match)

"""Where a GIS district lies on Earth: the grid's metric CRS and origin, so
model metres (x east, y north from the grid's south-west corner) convert to
the projected CRS, to longitude/latitude (outputs, maps) and back (records
given in lon/lat or another CRS)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyproj

WGS84 = "EPSG:4326"


@lru_cache(maxsize=32)
def transformer(src: str, dst: str) -> pyproj.Transformer:
    """x/y order whatever the CRS's axis order (lon, lat for WGS84)."""
    return pyproj.Transformer.from_crs(pyproj.CRS.from_user_input(src), pyproj.CRS.from_user_input(dst),
                                       always_xy=True)


@dataclass(frozen=True)
class GeoFrame:
    metric_crs: str  # WKT of the grid's projected CRS (metres)
    source_crs: str  # WKT of the areas' CRS (office_points, a station point)
    x0: float  # the grid's south-west corner in metric_crs
    y0: float
    cell_m: float
    width: int  # cells
    height: int
    outline_wkb: bytes  # the district's outline (union of the areas), metric_crs
    roads_wkb: bytes  # the road network's lines (empty when none), metric_crs

    def metric_from_model(self, x_m, y_m):
        return np.asarray(x_m, dtype=float) + self.x0, np.asarray(y_m, dtype=float) + self.y0

    def model_from_metric(self, x, y):
        return np.asarray(x, dtype=float) - self.x0, np.asarray(y, dtype=float) - self.y0

    def lonlat(self, x_m, y_m):
        """(lon, lat) in WGS84 of model points."""
        return transformer(self.metric_crs, WGS84).transform(*self.metric_from_model(x_m, y_m))

    def model_from(self, x, y, crs: str):
        """Model metres of points given in ``crs`` (any pyproj input: EPSG:4326, a WKT)."""
        mx, my = transformer(crs, self.metric_crs).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return self.model_from_metric(mx, my)

    def model_from_source(self, x, y):
        return self.model_from(x, y, self.source_crs)

    @property
    def extent_m(self) -> tuple[float, float]:
        return self.width * self.cell_m, self.height * self.cell_m

    def outline(self, crs: str | None = None):
        """The outline as a shapely geometry in model metres (or in ``crs``)."""
        return self._shape(self.outline_wkb, crs)

    def roads(self, crs: str | None = None):
        return self._shape(self.roads_wkb, crs)

    def _shape(self, wkb: bytes, crs: str | None):
        import shapely

        geom = shapely.from_wkb(wkb)
        if crs is None:
            return shapely.transform(geom, lambda xy: xy - np.array([self.x0, self.y0]))
        t = transformer(self.metric_crs, crs)
        return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))

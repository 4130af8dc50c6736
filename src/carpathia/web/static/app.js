/* carpathia command post: the map page. Plain JavaScript over the JSON API; no CDN, no build step. */
"use strict";

const $ = (id) => document.getElementById(id);
const state = { incident: null, info: null, mapVersion: null, clicking: null, ipp: null, schema: null };

// ------------------------------------------------------------------ HTTP
async function api(path, options = {}) {
  const opts = Object.assign({ credentials: "same-origin", headers: {} }, options);
  if (opts.json !== undefined) {
    opts.body = JSON.stringify(opts.json);
    opts.headers["content-type"] = "application/json";
    delete opts.json;
  }
  const resp = await fetch(path, opts);
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (e) { data = { error: text }; }
  if (!resp.ok) throw new Error((data && data.error) || resp.statusText);
  return data;
}

// Every string from the server goes into the page as text (textContent, Option, text nodes): never as HTML.
function textBox(...lines) {
  const d = document.createElement("div");
  lines.forEach((line, k) => {
    if (k) d.appendChild(document.createElement("br"));
    d.appendChild(document.createTextNode(String(line ?? "")));
  });
  return d;
}
function fillList(ul, items) {
  ul.replaceChildren(...items.map((text) => { const li = document.createElement("li"); li.textContent = text; return li; }));
}

function say(text, error = false) {
  const s = $("status");
  s.textContent = text;
  s.className = error ? "error" : "";
}

async function act(fn) {
  try { await fn(); } catch (e) { say(e.message, true); }
}

// ------------------------------------------------------------------ map
const map = L.map("map", { zoomControl: true, preferCanvas: false }).setView([44.27, -71.3], 11);
L.control.scale({ imperial: false }).addTo(map);
const layers = {
  base: null,
  heat: null,
  features: L.layerGroup().addTo(map),
  contours: L.geoJSON(null, { style: (f) => ({ color: "#5a1a6b", weight: 1.5, fill: false, dashArray: f.properties.level >= 0.95 ? "4 3" : null }) }),
  segments: L.geoJSON(null, { style: segmentStyle, onEachFeature: segmentLabel }),
  assignments: L.geoJSON(null, { style: { color: "#0b57d0", weight: 3, fill: false }, onEachFeature: assignmentLabel }),
  tracks: L.geoJSON(null, { style: { color: "#e4002b", weight: 3 } }),
  clues: L.geoJSON(null, { pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 7, color: "#000", fillColor: "#ffeb3b", fillOpacity: 1, weight: 2 }) }),
  lz: L.geoJSON(null, { pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 5, color: "#006400", fillColor: "#9be39b", fillOpacity: 1, weight: 2 }) }),
  ipp: L.geoJSON(null, { pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 8, color: "#fff", fillColor: "#d00", fillOpacity: 1, weight: 3 }) }),
  // location reports (issue 15): the fix and its accuracy circle, ellipse or cell-sector wedge
  reportAreas: L.geoJSON(null, { interactive: false, style: (f) => ({ color: "#7b1fa2", weight: 2, fillOpacity: 0.08, dashArray: f.properties.verification === "confirmed" ? null : "6 4" }) }),
  reports: L.geoJSON(null, {
    pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 6, color: "#fff", fillColor: "#7b1fa2", fillOpacity: 1, weight: 2 }),
    onEachFeature: (f, layer) => layer.bindPopup(textBox(`${f.properties.name} (${f.properties.verification})`, `fix ${String(f.properties.time).replace("T", " ")}`, f.properties.description || "")),
  }),
  pending: L.layerGroup().addTo(map),
  grid: L.layerGroup(),
};
for (const k of ["contours", "segments", "assignments", "tracks", "clues", "lz", "reportAreas", "reports", "ipp"]) layers[k].addTo(map);
const overlays = {
  "Segments (POA)": layers.segments, "Containment contours": layers.contours, "Assignments": layers.assignments,
  "Tracks": layers.tracks, "Clues": layers.clues, "Landing zones": layers.lz, "IPP": layers.ipp, "Towns, peaks": layers.features,
  "Location reports": layers.reports, "Report accuracy": layers.reportAreas,
  "UTM grid (MGRS)": layers.grid,
};
const layerControl = L.control.layers({}, overlays, { collapsed: true }).addTo(map);
let maxPoa = 0;

function segmentStyle(f) {
  const p = f.properties.poa || 0;
  const t = maxPoa > 0 ? Math.min(1, p / maxPoa) : 0;
  return { color: "#333", weight: 1, fillColor: `rgb(${Math.round(255 - 40 * t)},${Math.round(240 - 200 * t)},${Math.round(200 - 200 * t)})`, fillOpacity: 0.15 + 0.35 * t };
}
function segmentLabel(f, layer) {
  const p = f.properties.poa;
  layer.bindTooltip(textBox(`${f.properties.id}${p != null ? " " + (100 * p).toFixed(1) + "%" : ""}`), { permanent: map.getZoom() >= 13, direction: "center", className: "seg-label" });
  layer.bindPopup(textBox(`Segment ${f.properties.id}`, `POA ${p != null ? (100 * p).toFixed(2) + " %" : "–"}`, `area ${f.properties.area_km2} km²`, `cumulative POD ${f.properties.cumulative_pod ?? "–"}`));
}
function assignmentLabel(f, layer) {
  const a = f.properties;
  layer.bindPopup(textBox(`Assignment ${a.number}: ${a.team} (${a.resource})`, `segment ${a.segment}, ${a.status}`, `expected POD ${Number(a.expected_pod ?? 0).toFixed(2)}`));
}

const legend = L.control({ position: "bottomright" });
legend.onAdd = () => {
  const d = L.DomUtil.create("div", "legend");
  d.innerHTML = '<b>Legend</b><br><i style="background:linear-gradient(90deg,#fcffa4,#f98e09,#bc3754,#57106e)"></i>POA per cell (log, 3 decades)<br>' +
    '<i style="border:2px solid #5a1a6b"></i>containment 25/50/75/95 %<br><i style="background:#d77"></i>segment, shaded by POA<br>' +
    '<i style="border:2px solid #0b57d0"></i>assignment<br><i style="background:#e4002b;height:3px"></i>GPS track<br>' +
    '<i style="background:#d00;border-radius:7px"></i>IPP <i style="background:#ffeb3b;border-radius:7px"></i>clue <i style="background:#9be39b;border-radius:7px"></i>LZ<br>' +
    '<span class="hint">basemap: relief and contours from the DEM</span>';
  return d;
};
legend.addTo(map);

function setBase(url, bounds) {
  if (layers.base) map.removeLayer(layers.base);
  layers.base = L.tileLayer(url, { maxZoom: 18, maxNativeZoom: 16, bounds: bounds, attribution: "relief from the DEM · carpathia" });
  layers.base.addTo(map);
  layers.base.bringToBack();
}
function setHeat(iid, version, sha) {
  if (layers.heat) { map.removeLayer(layers.heat); layerControl.removeLayer(layers.heat); layers.heat = null; }
  if (version == null) return;
  // the map's checksum in the URL: the browser may keep the tile for good (an undone version can come back changed)
  const h = sha ? `?h=${sha.slice(0, 16)}` : "";
  layers.heat = L.tileLayer(`/tiles/incident/${iid}/poa/${version}/{z}/{x}/{y}.png${h}`, { maxZoom: 18, opacity: 0.75 }).addTo(map);
  layerControl.addOverlay(layers.heat, "POA heat map");
}
// The UTM grid as the paper maps print it: lines every km, labelled with their principal digits
// (full value on 100 km lines) at the south and west ends; the server computes it (carpathia.io.grid).
function showGrid(fc) {
  layers.grid.clearLayers();
  for (const f of fc.features) {
    const ll = f.geometry.coordinates.map(([lon, lat]) => [lat, lon]);
    const line = L.polyline(ll, { color: "#0d47a1", weight: f.properties.major ? 2 : 0.8, opacity: 0.7, interactive: false });
    layers.grid.addLayer(line);
    const at = f.properties.axis === "E" ? ll.reduce((a, b) => (b[0] < a[0] ? b : a)) : ll.reduce((a, b) => (b[1] < a[1] ? b : a));
    layers.grid.addLayer(L.tooltip({ permanent: true, direction: "right", className: "grid-label" }).setLatLng(at).setContent(textBox(f.properties.label)));
  }
  layerControl.removeLayer(layers.grid);
  layerControl.addOverlay(layers.grid, `UTM grid ${fc.step / 1000} km (${fc.zone})`);
}

function showFeatures(fc) {
  layers.features.clearLayers();
  for (const f of fc.features) {
    const k = f.properties.kind;
    if (f.geometry.type !== "Point" || !(k === "towns" || k === "peaks")) continue;
    const [lon, lat] = f.geometry.coordinates;
    const m = L.circleMarker([lat, lon], { radius: k === "towns" ? 4 : 3, color: "#222", fillColor: k === "towns" ? "#fff" : "#8b4513", fillOpacity: 1, weight: 1 });
    m.bindTooltip(textBox(f.properties.name || ""), { permanent: true, direction: "right", className: "seg-label" });
    layers.features.addLayer(m);
  }
}

map.on("click", (e) => {
  if (state.clicking === "ipp") {
    state.ipp = e.latlng;
    layers.pending.clearLayers();
    L.circleMarker(e.latlng, { radius: 8, color: "#fff", fillColor: "#d00", fillOpacity: 0.7, weight: 3 }).addTo(layers.pending);
    const f = $("new-form");
    f.elements.ipp_lat.value = e.latlng.lat.toFixed(5);
    f.elements.ipp_lon.value = e.latlng.lng.toFixed(5);
    $("ipp-hint").textContent = `IPP ${e.latlng.lat.toFixed(5)}, ${e.latlng.lng.toFixed(5)} (click again to move it)`;
  } else if (state.clicking === "clue") {
    state.clicking = null;
    $("add-clue").classList.remove("armed");
    act(async () => {
      const body = { lat: e.latlng.lat, lon: e.latlng.lng, description: $("clue-description").value || null };
      const r = await api(`/api/incidents/${state.incident}/clues`, { method: "POST", json: body });
      say(`clue recorded; map version ${r.map_version}`);
    });
  }
});
map.on("zoomend", () => layers.segments.eachLayer((l) => {
  const tt = l.getTooltip();
  if (tt) { l.unbindTooltip(); segmentLabel(l.feature, l); }
}));

async function showRegion(name, fit) {
  const r = (state.regions || []).find((x) => x.name === name);
  if (!r) return;
  const [w, s, e, n] = r.bounds_lonlat;
  const bounds = L.latLngBounds([s, w], [n, e]);
  const rn = encodeURIComponent(r.name);
  setBase(`/tiles/region/${rn}/{z}/{x}/{y}.png`, bounds);
  if (fit || !bounds.contains(map.getCenter())) map.fitBounds(bounds);
  showFeatures(await api(`/api/regions/${rn}/features`));
}

// ------------------------------------------------------------------ new incident form (from the JSON schema)
const FORM_FIELDS = ["name", "category", "last_seen", "region", "radius_m", "subject", "search_for", "eco_region", "terrain_class", "notes", "ipp_lat", "ipp_lon"];

function buildForm(schema) {
  const f = $("new-form");
  f.innerHTML = "";
  const required = new Set(schema.required || []);
  for (const name of FORM_FIELDS) {
    const prop = schema.properties[name];
    if (!prop) continue;
    const choices = prop.enum || (prop.anyOf || []).map((a) => a.enum).find((e) => e);
    const label = document.createElement("label");
    label.textContent = (prop.title || name) + (required.has(name) ? " *" : "");
    let input;
    if (choices) {
      input = document.createElement("select");
      if (!required.has(name) && prop.default == null) input.add(new Option("—", ""));
      for (const c of choices) input.add(new Option(c, c));
      if (prop.default != null) input.value = prop.default;
    } else {
      input = document.createElement("input");
      if (name === "last_seen") { input.type = "datetime-local"; }
      else if (prop.type === "number" || (prop.anyOf || []).some((a) => a.type === "number")) { input.type = "number"; input.step = "any"; }
      if (name === "ipp_lat" || name === "ipp_lon") input.readOnly = true;
      if (name === "radius_m") input.value = "5000";
    }
    input.name = name;
    if (name === "region") input.addEventListener("change", () => act(() => showRegion(input.value, false)));
    if (prop.description) label.title = prop.description;
    label.appendChild(input);
    f.appendChild(label);
  }
  const b = document.createElement("button");
  b.type = "submit"; b.id = "submit-incident"; b.textContent = "Open incident";
  f.appendChild(b);
}

function zoned(local) {
  // a datetime-local value gets this browser's UTC offset: the server wants a zone
  const d = new Date(local);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? "+" : "-";
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  return `${local.length === 16 ? local + ":00" : local}${sign}${pad(off / 60)}:${pad(off % 60)}`;
}

$("new-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  act(async () => {
    const f = ev.target;
    if (!state.ipp) throw new Error("click the map at the IPP first");
    const body = {};
    for (const el of f.elements) {
      if (!el.name || el.value === "") continue;
      body[el.name] = el.type === "number" ? Number(el.value) : el.value;
    }
    if (body.last_seen) body.last_seen = zoned(body.last_seen);
    say("opening the incident…");
    const inc = await api("/api/incidents", { method: "POST", json: body });
    state.clicking = null;
    layers.pending.clearLayers();
    $("new-form-box").hidden = true;
    await loadIncidents();
    await selectIncident(inc.id);
    say(`incident ${inc.name} opened`);
  });
});

$("new-incident").addEventListener("click", () => {
  state.clicking = "ipp";
  $("new-form-box").hidden = false;
  $("new-incident").classList.add("armed");
});

// ------------------------------------------------------------------ incident
async function loadIncidents() {
  const list = await api("/api/incidents");
  const sel = $("incident-select");
  const keep = sel.value;
  sel.replaceChildren(new Option("— choose —", ""));
  for (const i of list) sel.add(new Option(`${i.name} (${i.status})`, i.id));
  sel.value = state.incident != null ? String(state.incident) : keep;
}

$("incident-select").addEventListener("change", (e) => act(() => selectIncident(e.target.value ? Number(e.target.value) : null)));

async function selectIncident(iid) {
  state.incident = iid;
  state.mapVersion = undefined;
  state.mapSha = undefined;
  $("incident-box").hidden = iid == null;
  $("new-incident").classList.remove("armed");
  if (iid == null) return;
  $("incident-select").value = String(iid);
  const inc = await api(`/api/incidents/${iid}`);
  state.info = inc;
  const [w, s, e, n] = inc.bounds_lonlat;
  const bounds = L.latLngBounds([s, w], [n, e]);
  const t = inc.terrain_sha ? `?t=${inc.terrain_sha.slice(0, 16)}` : "";
  setBase(`/tiles/incident/${iid}/{z}/{x}/{y}.png${t}`, bounds);
  map.fitBounds(bounds);
  showFeatures(await api(`/api/incidents/${iid}/features`));
  showGrid(await api(`/api/incidents/${iid}/grid`));
  exportsLinks(iid);
  await refresh();
}

async function refresh() {
  const iid = state.incident;
  if (iid == null) return;
  const [inc, lay, teams, asg, log] = await Promise.all([
    api(`/api/incidents/${iid}`), api(`/api/incidents/${iid}/layers`), api(`/api/incidents/${iid}/teams`),
    api(`/api/incidents/${iid}/assignments`), api(`/api/incidents/${iid}/log?limit=30`),
  ]);
  if (iid !== state.incident) return;
  $("incident-title").textContent = inc.name;
  $("incident-info").textContent = `${inc.category}, last seen ${inc.last_seen.replace("T", " ")}, ${inc.status}`;
  const L_ = lay.layers;
  maxPoa = Math.max(0, ...L_.segments.features.map((f) => f.properties.poa || 0));
  for (const [k, name] of [["segments", "segments"], ["assignments", "assignments"], ["tracks", "tracks"], ["clues", "clues"], ["ipp", "ipp"], ["contours", "contours"], ["lz", "landing_zones"], ["reports", "reports"], ["reportAreas", "report_areas"]]) {
    layers[k].clearLayers();
    if (L_[name]) layers[k].addData(L_[name]);
  }
  if (lay.map_sha !== state.mapSha) { setHeat(iid, lay.map_version, lay.map_sha); state.mapVersion = lay.map_version; state.mapSha = lay.map_sha; }
  $("map-version").textContent = lay.map_version == null ? "none" : String(lay.map_version);
  document.body.dataset.mapVersion = lay.map_version == null ? "" : String(lay.map_version);
  document.body.dataset.tracks = String(L_.tracks.features.length);
  document.body.dataset.reports = String(L_.reports ? L_.reports.features.length : 0);
  document.body.dataset.segments = String(L_.segments.features.length);
  document.body.dataset.assignments = String(asg.length);
  $("segment-count").textContent = L_.segments.features.length;
  fillList($("teams"), teams.map((t) => `${t.name} (${t.resource_key})`));
  fillList($("assignments"), asg.map((a) => `${a.number}: ${a.team} → ${a.segment} (${a.status})`));
  const sel = $("debrief-assignment");
  const keep = sel.value;
  sel.replaceChildren(...asg.map((a) => new Option(`${a.number} ${a.team} ${a.status === "debriefed" ? "✓" : ""}`, String(a.number))));
  if (keep) sel.value = keep;
  fillList($("log"), log.slice().reverse().map((r) => `${String(r.time).slice(11, 16)} ${r.who}: ${r.summary}`));
}

async function exportsLinks(iid) {
  const fmts = await api("/api/exports");
  $("exports").replaceChildren(...fmts.map((f) => {
    const a = document.createElement("a");
    a.href = `/api/incidents/${encodeURIComponent(iid)}/export/${encodeURIComponent(f)}`;
    a.download = "";
    a.textContent = f;
    return a;
  }));
}

// ------------------------------------------------------------------ actions
$("run-model").addEventListener("click", () => act(async () => {
  await api(`/api/incidents/${state.incident}/map`, { method: "POST", json: { model: $("model").value } });
  say("model queued");
}));
$("auto-segment").addEventListener("click", () => act(async () => {
  await api(`/api/incidents/${state.incident}/segments/auto`, { method: "POST" });
  say("segmentation queued");
}));
$("segment-file").addEventListener("change", (e) => act(async () => {
  const fd = new FormData();
  fd.append("file", e.target.files[0]);
  const r = await api(`/api/incidents/${state.incident}/segments`, { method: "POST", body: fd });
  e.target.value = "";
  say(`${r.segments} segments imported`);
}));
$("add-team").addEventListener("click", () => act(async () => {
  await api(`/api/incidents/${state.incident}/teams`, { method: "POST", json: { name: $("team-name").value, resource: $("team-resource").value } });
  $("team-name").value = "";
  say("team added");
}));
$("plan").addEventListener("click", () => act(async () => {
  await api(`/api/incidents/${state.incident}/plan`, { method: "POST", json: { hours: Number($("plan-hours").value) } });
  say("planning queued");
}));
$("debrief-submit").addEventListener("click", () => act(async () => {
  const file = $("debrief-file").files[0];
  if (!file) throw new Error("choose the team's GPS track file");
  const n = $("debrief-assignment").value;
  if (!n) throw new Error("no assignment to debrief; plan a period first");
  const fd = new FormData();
  fd.append("file", file);
  fd.append("found", $("debrief-found").value);
  say("debriefing…");
  const r = await api(`/api/incidents/${state.incident}/assignments/${n}/debrief`, { method: "POST", body: fd });
  $("debrief-file").value = "";
  say(`assignment ${r.assignment} debriefed: segment POD ${(100 * r.segment_pod).toFixed(0)} %, map version ${r.map_version ?? "unchanged"}`);
}));
$("locate-link").addEventListener("click", () => act(async () => {
  if (!state.incident) throw new Error("choose an incident first");
  const r = await api(`/api/incidents/${state.incident}/locate-links`, { method: "POST", json: { minutes: Number($("locate-minutes").value) } });
  $("locate-url").value = r.url;
  say(`locate-me link issued, valid until ${r.expires.replace("T", " ")}; it opens once`);
}));
$("add-clue").addEventListener("click", () => {
  state.clicking = "clue";
  $("add-clue").classList.add("armed");
  say("click the map where the clue was found");
});
$("undo").addEventListener("click", () => act(async () => {
  const r = await api(`/api/incidents/${state.incident}/undo`, { method: "POST" });
  say(r.summary);
}));

// ------------------------------------------------------------------ live updates and jobs
function showJob(j) {
  const box = $("job");
  box.hidden = false;
  const what = j.status === "running" ? `${j.message} (${Math.round(100 * j.progress)} %)` : j.status;
  $("job-text").textContent = `${j.kind} #${j.id}: ${what}${j.error ? " — " + j.error : ""}`;
  $("job-progress").value = j.progress;
  if (j.status === "failed") say(`${j.kind} failed: ${j.error}`, true);
  if (j.status === "done") { say(`${j.kind} done`); setTimeout(() => { if ($("job-text").textContent.includes(`#${j.id}:`)) box.hidden = true; }, 3000); }
}

let refreshTimer = null;
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => act(refresh), 100);
}

function connect() {
  const es = new EventSource("/api/events");
  es.addEventListener("hello", (e) => {
    $("live").className = "on";
    const h = JSON.parse(e.data);
    $("user").textContent = h.user;
    act(async () => { await loadIncidents(); await refresh(); });
  });
  es.addEventListener("incident", (e) => {
    const d = JSON.parse(e.data);
    act(loadIncidents);
    if (d.id === state.incident) scheduleRefresh();
  });
  es.addEventListener("job", (e) => showJob(JSON.parse(e.data)));
  es.onerror = () => { $("live").className = "off"; };
}

// ------------------------------------------------------------------ start
(async () => {
  await act(async () => {
    const [schema, resources, regions, models] = await Promise.all([
      api("/api/schema/incident"), api("/api/resources"), api("/api/regions"), api("/api/models"),
    ]);
    state.schema = schema;
    buildForm(schema);
    $("team-resource").replaceChildren(...resources.map((r) => new Option(r.name || r.key, r.key)));
    $("model").replaceChildren(...models.map((m) => new Option(m.replace("_", " "), m)));
    $("model").value = "travel_time";
    state.regions = regions;
    if (regions.length) {
      const r = regions.find((x) => x.name === "white-mountains") || regions[0];
      const sel = $("new-form").elements.region;
      if (sel) sel.value = r.name;
      await showRegion(r.name, true);
    }
    await loadIncidents();
    const params = new URLSearchParams(location.search);
    if (params.get("incident")) await selectIncident(Number(params.get("incident")));
  });
  connect();
})();

// The control-day field app: entries kept in IndexedDB with ids made on the device, sent when there is a connection.
"use strict";
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const user = document.querySelector('meta[name="field-user"]').content;
  const DB_NAME = "ketenhub-veld";
  const QUEUE = "wachtrij";
  const SENT = "verstuurd";
  const DATA = "gegevens";
  let data = null;
  let syncing = false;

  // --- IndexedDB ---------------------------------------------------------------------------
  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore(QUEUE, { keyPath: "seq", autoIncrement: true });
        db.createObjectStore(SENT, { keyPath: "event_id" });
        db.createObjectStore(DATA);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  const dbReady = openDb();

  async function transact(store, mode, action) {
    const db = await dbReady;
    return new Promise((resolve, reject) => {
      const tx = db.transaction(store, mode);
      const request = action(tx.objectStore(store));
      tx.oncomplete = () => resolve(request ? request.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  }
  const all = (store) => transact(store, "readonly", (s) => s.getAll());
  const add = (store, value) => transact(store, "readwrite", (s) => s.add(value));
  const put = (store, value, key) => transact(store, "readwrite", (s) => (key === undefined ? s.put(value) : s.put(value, key)));
  const remove = (store, key) => transact(store, "readwrite", (s) => s.delete(key));
  const read = (store, key) => transact(store, "readonly", (s) => s.get(key));
  // a phone may be shared: an entry goes out only in the session of the user who made it
  // (one kept before entries named their user goes with the next user, as it always did)
  const mine = (entry) => entry.user === undefined || entry.user === user;
  const waitingOfMine = async () => (await all(QUEUE)).filter(mine);

  // --- ids made on the device --------------------------------------------------------------
  function letters(count) {
    const bytes = new Uint8Array(count);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => String.fromCharCode(97 + (b % 26))).join("");
  }
  const newId = (prefix) => `${prefix}-${letters(12)}`; // letters only: never read as a number
  const now = () => new Date().toISOString();

  // --- the page -----------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  function text(element, value) { element.textContent = value; return element; }
  function option(value, label) { const o = document.createElement("option"); o.value = value; o.textContent = label; return o; }
  function item(label) { return text(document.createElement("li"), label); }

  function showConnection() {
    const online = navigator.onLine;
    const element = $("verbinding");
    element.classList.toggle("offline", !online);
    text(element, online ? "Online: boekingen worden direct verstuurd." : "Geen verbinding: boekingen blijven op dit toestel bewaard tot de verbinding terug is.");
  }

  function selectedDay() {
    const id = $("dag").value;
    return data ? data.days.find((d) => d.control_day_id === id) : undefined;
  }

  function fillSelect(select, options, placeholder) {
    select.replaceChildren(option("", placeholder), ...options.map(([code, label]) => option(code, label)));
  }

  function renderForms() {
    const findings = $("bevindingen");
    findings.replaceChildren(text(document.createElement("legend"), "Bevindingen"));
    data.finding_codes.forEach(([code, label], index) => {
      const row = document.createElement("div");
      row.className = "check";
      const box = document.createElement("input");
      Object.assign(box, { type: "checkbox", id: `bevinding-${index}`, name: "bevinding", value: code });
      const tag = text(document.createElement("label"), label);
      tag.htmlFor = box.id;
      row.append(box, tag);
      findings.append(row);
    });
    fillSelect($("signaal-vorm"), data.exploitation_forms, "Kies…");
    fillSelect($("maatregel"), data.measures, "Geen maatregel");
    fillSelect($("grondslag"), data.legal_bases, "Kies…");
    $("signaal-deel").hidden = !data.may_raise_signal;
    $("maatregel-deel").hidden = !data.may_impose;
    $("sluiten-sectie").hidden = !data.may_close;
  }

  function renderDays() {
    const select = $("dag");
    const chosen = select.value;
    const open = data.days.filter((d) => !d.closed);
    select.replaceChildren(...open.map((d) => option(d.control_day_id, `${d.day === data.today ? "Vandaag: " : ""}${d.day} – ${d.kind_label}`)));
    if (!open.length) {
      select.replaceChildren(option("", "Geen open controledag"));
    }
    const today = open.find((d) => d.day === data.today);
    select.value = open.some((d) => d.control_day_id === chosen) ? chosen : (today || open[0] || { control_day_id: "" }).control_day_id;
    renderDay();
  }

  function plannedStop(address) {
    const day = selectedDay();
    return day && address ? day.planned.find((p) => p.address === address) : undefined;
  }

  function showAddressChoice() {
    const other = !$("gepland").value;
    $("ander-adres").hidden = !other;
    $("adres").required = other;
    $("gebied").required = other;
  }

  function renderPlanned(day, waitingAddresses) {
    const planned = day ? day.planned : [];
    const visited = (p) => p.visited || waitingAddresses.has(p.address);
    $("adressen").replaceChildren(...(planned.length
      ? planned.map((p) => {
        const li = item(`${p.display} (gebied ${p.area_code}) – ${visited(p) ? "bezocht" : "nog te bezoeken"}`);
        li.dataset.visited = String(visited(p));
        return li;
      })
      : [item(day && day.closed ? "De dag is gesloten: de adressen zijn niet meer zichtbaar." : "Geen geplande adressen.")]));
    const select = $("gepland");
    const chosen = select.value;
    const open = planned.filter((p) => !visited(p));
    select.replaceChildren(
      ...open.map((p) => option(p.address, `${p.display} (gebied ${p.area_code})`)),
      ...planned.filter(visited).map((p) => option(p.address, `${p.display} (gebied ${p.area_code}, al bezocht)`)),
      option("", "Ander adres (niet gepland)"),
    );
    const keepOther = chosen === "" && select.dataset.other === "ja";
    select.value = keepOther || open.some((p) => p.address === chosen) ? chosen : (open[0] ? open[0].address : "");
    showAddressChoice();
  }

  function visitLine(v, day) {
    const stop = day.planned.find((p) => p.address === v.address);
    const where = stop ? `${stop.display}, gebied ${v.area_code}` : `gebied ${v.area_code}`;
    const note = v.note ? ` Notitie: ${v.note}` : "";
    return `${v.visit_id} – ${where}: ${v.findings.join(", ") || "geen bevindingen"}; ${v.people_encountered} persoon/personen.${note}`;
  }

  async function renderDay() {
    const day = selectedDay();
    const info = $("dag-info");
    const visits = $("bezoeken");
    if (!day) {
      text(info, "Er is geen open controledag voor uw organisatie.");
      visits.replaceChildren();
      renderPlanned(undefined, new Set());
      return;
    }
    text(info, `Team: ${day.participants.join(", ")}. ${day.visits.length} bezoek(en) vastgelegd.`);
    const waiting = (await waitingOfMine()).filter((e) => e.event.type === "ControlVisitLogged" && e.event.control_day_id === day.control_day_id);
    renderPlanned(day, new Set(waiting.map((e) => e.event.address)));
    visits.replaceChildren(
      ...day.visits.map((v) => item(visitLine(v, day))),
      ...waiting.map((e) => item(`${e.event.visit_id} – gebied ${e.event.area_code}: wacht op verzending`)),
    );
  }

  async function renderQueue() {
    const queued = await all(QUEUE);
    const waiting = queued.filter(mine);
    const others = queued.length - waiting.length;
    text($("wachtend-aantal"), String(waiting.length));
    $("wachtrij").replaceChildren(
      ...waiting.map((e) => item(e.label)),
      ...(others ? [item(`${others} boeking(en) van een andere gebruiker van dit toestel: die gaan pas weg als die zich weer aanmeldt.`)] : []),
    );
    const sent = (await all(SENT)).filter(mine).sort((a, b) => b.seq - a.seq).slice(0, 20);
    $("verstuurd").replaceChildren(...sent.map((e) => {
      const li = item(`${e.label}: ${e.message}`);
      li.dataset.status = e.status;
      return li;
    }));
  }

  // --- data ---------------------------------------------------------------------------------
  async function loadDays() {
    try {
      const response = await fetch("/veld/dagen.json", { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
      // only this user's days are kept on the phone (they may hold a day's addresses)
      await transact(DATA, "readwrite", (s) => s.clear());
      await put(DATA, data, `dagen:${user}`);
    } catch (error) {
      data = data || (await read(DATA, `dagen:${user}`));
    }
    if (data) {
      if (!$("bevindingen").querySelector("input")) renderForms();
      renderDays();
    }
  }

  // --- entries ------------------------------------------------------------------------------
  async function keep(label, event) {
    await add(QUEUE, { label, event, created: now(), user });
  }

  function visitForm(form) {
    // everything is read at once, before anything is awaited, so the form can be cleared at once
    const stop = plannedStop($("gepland").value);
    return {
      address: stop ? stop.address : $("adres").value.trim(),
      area: stop ? stop.area_code : $("gebied").value.trim(),
      note: $("notitie").value.trim(),
      findings: Array.from(form.querySelectorAll('input[name="bevinding"]:checked'), (b) => b.value),
      people: Number($("personen").value || 0),
      signal: data.may_raise_signal && $("signaal").checked,
      form: $("signaal-vorm").value,
      text: $("toelichting").value.trim(),
      measure: data.may_impose ? $("maatregel").value : "",
      basis: $("grondslag").value,
    };
  }

  async function onVisit(submit) {
    submit.preventDefault();
    const day = selectedDay();
    if (!day) return;
    const form = submit.target;
    const visit = visitForm(form);
    form.reset();
    $("gepland").focus();
    const visitId = newId("bezoek");
    const signals = [];
    if (visit.signal) {
      const caseId = newId("zaak");
      signals.push(caseId);
      await keep(`Signaal ${caseId}`, {
        type: "SignalReceived", event_id: crypto.randomUUID(), occurred_at: now(), case_id: caseId,
        exploitation_forms: visit.form ? [visit.form] : [], indicators: [], persons: [],
        location: { municipality_code: data.municipality_code, area_code: visit.area },
        free_text: visit.text || null,
      });
    }
    await keep(`Bezoek ${visitId} (gebied ${visit.area})`, {
      type: "ControlVisitLogged", event_id: crypto.randomUUID(), occurred_at: now(),
      control_day_id: day.control_day_id, visit_id: visitId, address: visit.address, area_code: visit.area,
      finding_codes: visit.findings, people_encountered: visit.people, signals_raised: signals,
      note: visit.note || null,
    });
    if (visit.measure) {
      const measureId = newId("maatregel");
      await keep(`Maatregel ${measureId}`, {
        type: "MeasureImposed", event_id: crypto.randomUUID(), occurred_at: now(), case_id: null,
        measure_id: measureId, measure: visit.measure, legal_basis: visit.basis, control_visit_id: visitId,
      });
    }
    await renderQueue();
    await renderDay();
    sync();
  }

  async function onClose() {
    const day = selectedDay();
    if (!day) return;
    await keep(`Controledag ${day.control_day_id} afsluiten`, {
      type: "ControlDayClosed", event_id: crypto.randomUUID(), occurred_at: now(), control_day_id: day.control_day_id,
    });
    await renderQueue();
    sync();
  }

  // --- sending ------------------------------------------------------------------------------
  async function sync() {
    if (syncing) return;
    syncing = true;
    let sentAny = false;
    try {
      for (;;) {
        const [entry] = await waitingOfMine();
        if (!entry) break;
        let response;
        try {
          response = await fetch("/veld/boeking", {
            method: "POST", credentials: "same-origin",
            headers: { "content-type": "application/json", "x-csrf-token": csrf },
            body: JSON.stringify(entry.event),
          });
        } catch (error) {
          break; // no connection: the entry stays, and goes with the next try
        }
        if (response.status === 401 || response.status === 403) {
          text($("verbinding"), "Meld u opnieuw aan om de boekingen te versturen; ze blijven bewaard.");
          break;
        }
        if (response.status >= 500) break;
        const answer = await response.json();
        await remove(QUEUE, entry.seq);
        await put(SENT, { seq: entry.seq, event_id: entry.event.event_id, label: entry.label, status: answer.status, message: answer.message, user });
        sentAny = true;
        if (answer.status === "pending") break;
      }
    } finally {
      syncing = false;
      await renderQueue();
    }
    if (sentAny) await loadDays();
  }

  window.addEventListener("online", () => { showConnection(); sync(); });
  window.addEventListener("offline", showConnection);
  $("bezoek-form").addEventListener("submit", onVisit);
  $("dag").addEventListener("change", renderDay);
  $("gepland").addEventListener("change", () => {
    $("gepland").dataset.other = $("gepland").value ? "" : "ja";
    showAddressChoice();
  });
  $("dag-sluiten").addEventListener("click", onClose);
  $("nu-versturen").addEventListener("click", sync);
  setInterval(() => { if (navigator.onLine) sync(); }, 5000);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/veld/sw.js", { scope: "/veld/" });
  }
  showConnection();
  renderQueue().then(loadDays).then(sync);
})();

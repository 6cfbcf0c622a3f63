/// The dashboard: one page of plain HTML, CSS and a little JavaScript, served by the daemon
/// itself (no build step, nothing fetched from elsewhere). It lists the queue and recent jobs
/// from `/v1/events` (server-sent events carrying the status snapshot: running and queued jobs,
/// then the last finished ones), uploads a file into a
/// chosen pipeline through `POST /v1/uploads`, cancels with `DELETE /v1/jobs/{id}`, and links
/// each finished job's report. Every element a test drives has an id or a data attribute.
enum DashboardPage {
    static let html = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>srd</title>
    <style>
      body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
      h1 { font-size: 1.3em; margin: 0 0 .2em; }
      #daemon { color: #666; margin-bottom: 1em; }
      form { margin: 1em 0; padding: .8em; border: 1px solid #ccc; border-radius: 4px; display: flex; gap: .8em; align-items: center; flex-wrap: wrap; }
      table { border-collapse: collapse; width: 100%; }
      th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid #eee; white-space: nowrap; }
      td.name { white-space: normal; word-break: break-all; }
      .bar { width: 8em; height: .7em; background: #eee; border-radius: 3px; display: inline-block; vertical-align: middle; }
      .bar span { display: block; height: 100%; background: #3a7; border-radius: 3px; }
      .state-failed { color: #b22; } .state-cancelled { color: #888; } .state-done { color: #282; } .state-running { color: #05a; }
      #message { min-height: 1.2em; color: #555; }
      .error { color: #b22; white-space: normal; }
    </style>
    </head>
    <body>
    <h1>srd</h1>
    <div id="daemon">connecting…</div>
    <form id="upload-form">
      <label>File <input id="file" type="file" required></label>
      <label>Pipeline <select id="pipeline"></select></label>
      <button id="upload-button" type="submit">Upload</button>
      <span id="message"></span>
    </form>
    <table>
      <thead><tr><th>#</th><th>name</th><th>pipeline</th><th>state</th><th>progress</th><th>fps</th><th>ETA</th><th></th></tr></thead>
      <tbody id="jobs"></tbody>
    </table>
    <script>
    "use strict";
    const $ = (id) => document.getElementById(id);
    function duration(s) {
      if (s == null) return "";
      s = Math.round(s);
      const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60;
      return h ? `${h}h${String(m).padStart(2, "0")}m` : m ? `${m}m${String(r).padStart(2, "0")}s` : `${r}s`;
    }
    function cell(row, text, cls) {
      const td = document.createElement("td");
      td.textContent = text;
      if (cls) td.className = cls;
      row.appendChild(td);
      return td;
    }
    function render(status) {
      const d = status.daemon;
      const up = (Date.now() - Date.parse(d.started_at)) / 1000;
      $("daemon").textContent = `${d.state} · pid ${d.pid} · ${d.busy_workers}/${d.workers} workers busy · up ${duration(up)}`
        + (d.paused_reason ? ` · paused: ${d.paused_reason}` : "");
      fillPipelines(d.pipelines, d.default_pipeline);
      const body = $("jobs");
      body.replaceChildren();
      for (const job of status.active.concat(status.recent)) {
        const row = document.createElement("tr");
        row.dataset.jobId = job.id;
        row.dataset.state = job.state;
        row.dataset.name = job.name;
        cell(row, job.id);
        cell(row, job.name, "name");
        cell(row, job.pipeline);
        cell(row, job.state, "state state-" + job.state).dataset.role = "state";
        const p = job.progress;
        const progress = cell(row, "");
        if (p) {
          const bar = document.createElement("span");
          bar.className = "bar";
          const fill = document.createElement("span");
          fill.style.width = (p.percent || 0) + "%";
          bar.appendChild(fill);
          progress.appendChild(bar);
          progress.append(" " + (p.percent != null ? p.percent.toFixed(0) + "%" : p.frames_done + " frames")
            + (job.segments ? ` · seg ${Math.min(job.segments.done + 1, job.segments.total)}/${job.segments.total}` : ""));
        }
        cell(row, p && p.fps != null ? p.fps.toFixed(1) : "");
        cell(row, p ? duration(p.eta_seconds) : "");
        const actions = cell(row, "");
        if (job.state === "done") {
          const link = document.createElement("a");
          link.href = `/v1/jobs/${job.id}/metrics/report.html`;
          link.textContent = "report";
          link.dataset.role = "report";
          actions.appendChild(link);
          actions.append(" ");
          const crop = document.createElement("a");
          crop.href = `/v1/jobs/${job.id}/metrics/crop.png`;
          crop.textContent = "crop";
          actions.appendChild(crop);
        } else if (job.state === "queued" || job.state === "running") {
          const button = document.createElement("button");
          button.textContent = "cancel";
          button.dataset.role = "cancel";
          button.onclick = () => fetch(`/v1/jobs/${job.id}`, { method: "DELETE" }).then(r => r.json())
            .then(j => { $("message").textContent = j.error || `cancelling job ${job.id}`; });
          actions.appendChild(button);
        }
        if (job.error) cell(row, job.error, "error");
        body.appendChild(row);
      }
    }
    function fillPipelines(names, chosen) {
      const select = $("pipeline");
      if (select.options.length === names.length) return;
      select.replaceChildren();
      for (const name of names) {
        const option = document.createElement("option");
        option.value = option.textContent = name;
        option.selected = name === chosen;
        select.appendChild(option);
      }
    }
    $("upload-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const file = $("file").files[0];
      if (!file) return;
      $("message").textContent = `uploading ${file.name}…`;
      const query = new URLSearchParams({ name: file.name, pipeline: $("pipeline").value });
      try {
        const reply = await fetch("/v1/uploads?" + query, { method: "POST", body: file });
        const job = await reply.json();
        $("message").textContent = reply.ok ? `job ${job.id} queued` : (job.error || reply.statusText);
      } catch (e) {
        $("message").textContent = "upload failed: " + e;
      }
    });
    function connect() {
      const events = new EventSource("/v1/events");
      events.onmessage = (e) => render(JSON.parse(e.data));
      events.onerror = () => { $("daemon").textContent = "reconnecting…"; };
    }
    connect();
    </script>
    </body>
    </html>
    """
}

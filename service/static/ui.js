// Progressive enhancement of the web pages: every action also works without this script.
"use strict";
(function () {
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function problemText(xhr) {
    try {
      const body = JSON.parse(xhr.responseText);
      if (body && body.detail) return body.detail;
    } catch (e) { /* not JSON */ }
    if (xhr.status === 0) return "Нет связи с сервером. Проверьте подключение и повторите.";
    return "Файл не принят (код " + xhr.status + ").";
  }

  function stem(name) {
    const dot = name.lastIndexOf(".");
    return dot > 0 ? name.slice(0, dot) : name;
  }

  // ---- upload: several files, a progress bar and an outcome per file ----
  function enhanceUpload(form) {
    const input = form.querySelector('input[type="file"]');
    const list = form.querySelector("#file-list");
    const zone = form.querySelector("#dropzone");
    let picked = [];

    function render() {
      list.textContent = "";
      picked.forEach((file, i) => {
        const li = document.createElement("li");
        li.dataset.index = String(i);
        const name = document.createElement("strong");
        name.textContent = file.name;
        const bar = document.createElement("progress");
        bar.max = 100; bar.value = 0;
        bar.setAttribute("aria-label", "Загрузка файла " + file.name);
        const status = document.createElement("span");
        status.className = "status";
        li.append(name, " ", bar, status);
        list.append(li);
      });
    }
    input.addEventListener("change", () => { picked = Array.from(input.files); render(); });
    if (zone) {
      zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
      zone.addEventListener("dragleave", () => zone.classList.remove("over"));
      zone.addEventListener("drop", (e) => {
        e.preventDefault(); zone.classList.remove("over");
        picked = Array.from(e.dataTransfer.files); render();
      });
    }

    function fieldsFor(file) {
      const data = new FormData();
      for (const [key, value] of new FormData(form).entries()) {
        if (key === "file" || key === "csrf_token") continue;
        data.append(key, value);
      }
      if (!data.get("title")) data.set("title", stem(file.name));
      return data;
    }

    function sendOne(file, li) {
      return new Promise((resolve) => {
        const bar = li.querySelector("progress");
        const status = li.querySelector(".status");
        const data = fieldsFor(file);
        data.append("file", file, file.name);
        const xhr = new XMLHttpRequest();
        xhr.open("POST", form.dataset.api);
        xhr.setRequestHeader("X-CSRF-Token", csrf());
        xhr.setRequestHeader("Accept", "application/json");
        xhr.upload.onprogress = (e) => { if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100); };
        xhr.onload = () => {
          const earlier = xhr.status === 200 ? JSON.parse(xhr.responseText || "{}") : {};
          if (earlier.status === "rejected") {
            status.className = "status reason";
            status.textContent = "Этот же файл уже был загружен и отклонён" +
              (earlier.rejection_reason ? " (причина: " + earlier.rejection_reason + ")" : "") +
              ". Загрузите исправленный скан.";
            li.classList.add("bad");
            bar.value = 0;
          } else if (xhr.status === 201 || xhr.status === 200) {
            bar.value = 100;
            status.className = "status done";
            status.textContent = xhr.status === 201 ? "Принят, ожидает проверки." : "Такой файл уже был загружен ранее.";
            li.classList.add("ok");
          } else {
            status.className = "status reason";
            status.textContent = problemText(xhr);
            li.classList.add("bad");
            bar.value = 0;
          }
          resolve();
        };
        xhr.onerror = () => { status.className = "status reason"; status.textContent = problemText(xhr); li.classList.add("bad"); resolve(); };
        xhr.send(data);
      });
    }

    // Large files go in parts; an interrupted upload continues from the first missing part
    // (the upload id is remembered per file, so picking the same file again resumes it).
    async function sendResumable(file, li) {
      const bar = li.querySelector("progress");
      const status = li.querySelector(".status");
      const headers = { "X-CSRF-Token": csrf(), Accept: "application/json" };
      const fail = (text) => { status.className = "status reason"; status.textContent = text; li.classList.add("bad"); };
      const memo = "upload:" + form.dataset.resumable + ":" + file.name + ":" + file.size + ":" + file.lastModified;
      let session = null;
      const saved = window.localStorage.getItem(memo);
      if (saved) {
        const r = await fetch("/api/v1/uploads/" + encodeURIComponent(saved), { headers });
        if (r.ok) session = await r.json();
      }
      if (!session) {
        const details = { filename: file.name, size: file.size };
        for (const [key, value] of fieldsFor(file).entries()) if (value) details[key] = value;
        const r = await fetch(form.dataset.resumable, {
          method: "POST", headers: { ...headers, "Content-Type": "application/json" }, body: JSON.stringify(details),
        });
        const body = await r.json().catch(() => ({}));
        if (!r.ok) { fail(body.detail || "Файл не принят (код " + r.status + ")."); return; }
        session = body;
        window.localStorage.setItem(memo, session.upload_id);
      } else {
        status.textContent = "Продолжаем прерванную загрузку…";
      }
      const url = "/api/v1/uploads/" + encodeURIComponent(session.upload_id);
      const have = new Set(session.parts_received);
      let sent = session.bytes_received;
      bar.value = Math.round((sent / file.size) * 100);
      for (let n = 1; n <= session.part_count; n++) {
        if (have.has(n)) continue;
        const blob = file.slice((n - 1) * session.part_size, n * session.part_size);
        let ok = false;
        for (let attempt = 0; attempt < 5 && !ok; attempt++) {
          if (attempt) await new Promise((r) => setTimeout(r, 1000 * 2 ** attempt));
          ok = await new Promise((resolve) => {
            const xhr = new XMLHttpRequest();
            xhr.open("PUT", url + "/parts/" + n);
            xhr.setRequestHeader("X-CSRF-Token", csrf());
            xhr.upload.onprogress = (e) => { bar.value = Math.round(((sent + e.loaded) / file.size) * 100); };
            xhr.onload = () => resolve(xhr.status === 200);
            xhr.onerror = () => resolve(false);
            xhr.send(blob);
          });
        }
        if (!ok) {
          fail("Связь прервалась на части " + n + " из " + session.part_count +
               ". Нажмите «Загрузить» ещё раз (после перезагрузки страницы — выбрав этот же файл): " +
               "загрузка продолжится с этого места.");
          return;
        }
        sent += blob.size;
      }
      status.textContent = "Проверяем файл…";
      const done = await fetch(url + "/complete", { method: "POST", headers });
      const body = await done.json().catch(() => ({}));
      if (done.status !== 409 && done.status !== 503) window.localStorage.removeItem(memo);
      if (done.status === 201 || done.status === 200) {
        bar.value = 100;
        status.className = "status done";
        status.textContent = done.status === 201 ? "Принят, ожидает проверки." : "Такой файл уже был загружен ранее.";
        li.classList.add("ok");
      } else {
        fail(body.detail || "Файл не принят (код " + done.status + ").");
      }
    }

    form.addEventListener("submit", async (e) => {
      if (!picked.length) return; // the browser's own "required" message
      e.preventDefault();
      const button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      render();  // every try starts with fresh bars and no old verdicts
      const items = Array.from(list.children);
      try {
      for (let i = 0; i < picked.length; i++) {
        const large = picked[i].size >= Number(form.dataset.resumableFrom || Infinity);
        await (large ? sendResumable(picked[i], items[i]) : sendOne(picked[i], items[i]));
      }
      } finally {
        button.disabled = false;
      }
      let summary = document.getElementById("upload-summary");
      if (!summary) {
        summary = document.createElement("p");
        summary.id = "upload-summary";
        summary.setAttribute("role", "status");
        summary.dataset.testid = "upload-summary";
        list.after(summary);
      }
      const ok = list.querySelectorAll("li.ok").length;
      summary.textContent = "Готово: принято " + ok + " из " + picked.length + ".";
    });
  }

  // ---- the deputy's queue: keyboard shortcuts ----
  function enhanceQueue() {
    document.addEventListener("keydown", (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const tag = (e.target.tagName || "").toLowerCase();
      if (tag === "textarea" || tag === "input" || tag === "select") return;
      // The letters of the hint (В, О, С) and the Latin keys in the same places as on the
      // keyboard (V, R, N), whatever layout is on.
      const key = e.key.toLowerCase();
      const code = e.code;
      const reason = document.getElementById("reason");
      if (key === "в" || code === "KeyV") {
        e.preventDefault(); document.getElementById("verify-button").click();
      } else if (key === "о" || code === "KeyR") {
        e.preventDefault();
        if (reason && !reason.value.trim()) reason.focus(); else document.getElementById("reject-button").click();
      } else if (key === "с" || code === "KeyN") {
        const next = document.getElementById("next-link");
        if (next) { e.preventDefault(); next.click(); }
      }
    });
    const reason = document.getElementById("reason");
    if (reason) {
      reason.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.shiftKey && reason.value.trim()) {
          e.preventDefault(); document.getElementById("reject-button").click();
        }
      });
    }
  }

  // ---- portfolio and bundle: follow a background job with a progress bar ----
  function enhanceDownloads() {
    const box = document.querySelector(".download-progress");
    document.querySelectorAll("a[data-download]").forEach((link) => {
      link.addEventListener("click", async (e) => {
        e.preventDefault();
        const href = link.getAttribute("href");
        const check = href + (href.includes("?") ? "&" : "?") + "check=true";
        box.hidden = false;
        const label = box.querySelector(".download-label");
        const bar = box.querySelector("progress");
        label.textContent = "Готовим файл…";
        bar.removeAttribute("value");
        try {
          let response = await fetch(check, { headers: { Accept: "application/json" } });
          while (response.status === 202) {
            const job = await response.json();
            if (job.status === "failed") throw new Error(job.error || "не удалось сформировать портфолио");
            if (job.total) { bar.max = job.total; bar.value = job.done; }
            label.textContent = "Готовим файл: обработано " + job.done + " из " + job.total + " документов (" + job.status_ru + ").";
            await new Promise((r) => setTimeout(r, 1500));
            response = await fetch(check, { headers: { Accept: "application/json" } });
          }
          if (!response.ok) {
            const body = await response.json().catch(() => ({}));
            throw new Error(body.detail || "код " + response.status);
          }
          label.textContent = "Файл готов, начинается скачивание.";
          bar.max = 1; bar.value = 1;
          window.location.assign(href);
        } catch (err) {
          label.textContent = "Не удалось подготовить файл: " + err.message;
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("upload-form");
    if (form) enhanceUpload(form);
    if (document.querySelector('[data-shortcuts="verification"]')) enhanceQueue();
    if (document.querySelector("a[data-download]")) enhanceDownloads();
  });
})();

// A second tap on "Register" while the first is on its way must not send the form twice.
// (The server also guards this with the form's one-time key.)
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("[data-submit-once]")) return;
  if (form.dataset.submitted) {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "1";
  for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = true;
});

// The transfer form: once a receiving unit is chosen, offer only its staff as handler.
document.addEventListener("change", (event) => {
  const select = event.target;
  if (!select.matches("select[data-narrows]")) return;
  const target = document.getElementById(select.dataset.narrows);
  if (!target) return;
  const path = select.selectedOptions[0]?.dataset.unitPath || "";
  for (const option of target.options) {
    const own = option.dataset.unitPath;
    option.hidden = Boolean(path && own !== undefined && !own.startsWith(path));
  }
  if (target.selectedOptions[0]?.hidden) target.value = "";
});

// The registration form: while the clerk types the matter, show the likely classes beside the
// classification; a click fills the field, nothing is chosen for the clerk.
(() => {
  const form = document.querySelector("form[data-suggest-url]");
  const box = document.getElementById("suggestions");
  if (!form || !box) return;
  const fields = { category: "id_category", business_category: "id_business_category", reason: "id_reason" };
  let timer = null;
  let asked = "";
  const ask = async () => {
    const matter = form.elements.matter?.value || "";
    const demand = form.elements.demand?.value || "";
    const key = matter + "\n" + demand;
    if (key === asked) return;
    asked = key;
    if (matter.trim().length < 6) {
      box.hidden = true;
      return;
    }
    const body = new FormData();
    body.append("matter", matter);
    body.append("demand", demand);
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    let found;
    try {
      const answer = await fetch(form.dataset.suggestUrl, { method: "POST", body, credentials: "same-origin" });
      if (!answer.ok) return;
      found = await answer.json();
    } catch {
      return; // suggestions are a help: a failed request leaves the form as it was
    }
    let any = false;
    for (const [target, id] of Object.entries(fields)) {
      const line = box.querySelector(`[data-target="${target}"]`);
      const select = document.getElementById(id);
      if (!line || !select) continue;
      for (const old of line.querySelectorAll("button")) old.remove();
      for (const item of found[target] || []) {
        if (![...select.options].some((o) => o.value === item.value)) continue;
        const button = document.createElement("button");
        button.type = "button";
        button.className = "chip";
        button.textContent = item.label;
        button.addEventListener("click", () => {
          select.value = item.value;
          select.dispatchEvent(new Event("change", { bubbles: true }));
        });
        line.append(button);
        any = true;
      }
      line.hidden = !line.querySelector("button");
    }
    // "This looks like case TS…": the cases about a similar matter the clerk may see, to link before saving.
    const alikeLine = box.querySelector('[data-target="alike"]');
    if (alikeLine) {
      for (const old of alikeLine.querySelectorAll("a")) old.remove();
      for (const item of found.alike || []) {
        const link = document.createElement("a");
        link.href = item.url;
        link.target = "_blank";
        link.className = "chip";
        link.textContent = item.label;
        alikeLine.append(link);
        any = true;
      }
      alikeLine.hidden = !alikeLine.querySelector("a");
    }
    box.hidden = !any;
  };
  form.addEventListener("input", (event) => {
    if (!["matter", "demand"].includes(event.target.name)) return;
    clearTimeout(timer);
    timer = setTimeout(ask, 500);
  });
  ask();
})();

// A form sent back with errors: the first field in error gets the focus, so the clerk starts there.
(() => {
  const first = document.querySelector(".field.has-error input, .field.has-error select, .field.has-error textarea");
  if (first) {
    first.focus();
    first.scrollIntoView({ block: "center" });
  }
})();

// Upload progress (issue 15): a form sending files sends them in the background and shows how much has
// gone, then shows the page the server answered (the case, or the form with its errors) as a plain
// submission would. Without files the form submits as usual.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
  if ((form.getAttribute("method") || "").toLowerCase() !== "post") return;
  const files = [...form.querySelectorAll("input[type=file]")].flatMap((input) => [...(input.files || [])]);
  const template = document.getElementById("upload-progress");
  if (!files.length || !template || !window.FormData) return;
  event.preventDefault();
  const data = new FormData(form);
  const shown = template.content.firstElementChild.cloneNode(true);
  const bar = shown.querySelector("progress");
  const percent = shown.querySelector(".percent");
  form.append(shown);
  const request = new XMLHttpRequest();
  request.open("POST", form.action || window.location.href);
  request.setRequestHeader("X-Upload-Progress", "1");
  request.upload.addEventListener("progress", (progress) => {
    if (!progress.lengthComputable) return;
    const done = Math.round((100 * progress.loaded) / progress.total);
    bar.value = done;
    percent.textContent = `${done}%`;
  });
  request.addEventListener("load", () => {
    // The answer replaces the page, at the address it came from (the case after a redirect).
    if (request.responseURL) window.history.replaceState(null, "", request.responseURL);
    document.open();
    document.write(request.responseText);
    document.close();
  });
  request.addEventListener("error", () => {
    // The network failed: submit the ordinary way, so the clerk sees what the browser says.
    shown.remove();
    form.submit();
  });
  request.send(data);
});

// The people picker (issue 15): a field naming a person offers, as one types part of a name, the staff the
// search finds (name · unit); choosing one fills in their username, or their name where the field takes a
// name (an approver). The server still judges whatever is sent.
(() => {
  const inputs = document.querySelectorAll("input[data-people-search]");
  for (const input of inputs) {
    const list = document.createElement("datalist");
    list.id = `${input.id || input.name}-people`;
    input.after(list);
    input.setAttribute("list", list.id);
    const fill = input.dataset.peopleFill === "name" ? "name" : "username";
    let timer = null;
    let asked = "";
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const query = input.value.trim();
        if (!query || query === asked) return;
        asked = query;
        let found;
        try {
          const url = `${input.dataset.peopleSearch}?q=${encodeURIComponent(query)}`;
          const answer = await fetch(url, { credentials: "same-origin" });
          if (!answer.ok) return;
          found = await answer.json();
        } catch {
          return; // a help only: the clerk can still type the value
        }
        list.replaceChildren(
          ...found.people.map((person) => {
            const option = document.createElement("option");
            option.value = person[fill];
            option.label = `${person.name} · ${person.unit}`;
            return option;
          }),
        );
      }, 200);
    });
  }
})();

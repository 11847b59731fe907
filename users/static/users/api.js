// Shared by the landing pages: one GraphQL call, and showing one state of the page.
// Messages come from the page's catalogue (pages/base.html loads Django's JavaScriptCatalog first).
"use strict";

window.gqlAuth = (function () {
  const page = document.getElementById("page");

  async function graphql(query, variables) {
    const response = await fetch(page.dataset.graphqlUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ query: query, variables: variables }),
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
    const body = await response.json();
    if (!body.data) {
      const message = body.errors && body.errors[0] ? body.errors[0].message : gettext("Unexpected answer.");
      throw new Error(message);
    }
    return body.data;
  }

  function show(state) {
    for (const section of page.querySelectorAll("section[data-state]")) {
      section.hidden = section.dataset.state !== state;
    }
    const heading = page.querySelector(`section[data-state="${state}"] h1`);
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }

  function fieldError(input, message) {
    const slot = document.getElementById(input.id + "-error");
    slot.textContent = message || "";
    input.setAttribute("aria-invalid", message ? "true" : "false");
  }

  // Mails a new link: `operation` is the GraphQL mutation to call with { email }, its
  // field aliased `result`. Each document the pages send is one whole literal, so that the
  // service can trust its own (schema/persisted.py reads them from these files).
  function linkRequestForm(form, operation, done) {
    const input = form.querySelector("input[type=email]");
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      fieldError(input, "");
      if (!input.value.trim()) {
        fieldError(input, gettext("Enter your email address."));
        input.focus();
        return;
      }
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        const data = await graphql(operation, { email: input.value });
        if (data.result.success) {
          form.hidden = true;
          done.hidden = false;
        } else {
          fieldError(input, data.result.errors[0].message);
          input.focus();
        }
      } catch (error) {
        fieldError(input, gettext("We could not send the link just now. Please try again."));
      } finally {
        button.disabled = false;
      }
    });
  }

  // A page whose key a person confirms with a click (opening a link does nothing:
  // mail scanners open links). `operation` is the GraphQL mutation to call with { key }.
  function confirmButton(button, operation) {
    button.addEventListener("click", async function () {
      button.disabled = true;
      try {
        const data = await graphql(operation, { key: page.dataset.key });
        if (data.result.success) return show("success");
        const error = data.result.errors[0];
        if (error.code === "EXPIRED_KEY") return show("expired");
        if (error.code === "INVALID_KEY" || error.code === "INVALID_INPUT") return show("invalid");
        document.getElementById("error-message").textContent = error.message;
        show("error");
      } catch (error) {
        show("error");
      } finally {
        button.disabled = false;
      }
    });
    const retry = document.getElementById("retry");
    if (retry) retry.addEventListener("click", function () { show("confirm"); });
  }

  return {
    page: page, graphql: graphql, show: show, fieldError: fieldError,
    linkRequestForm: linkRequestForm, confirmButton: confirmButton,
  };
})();

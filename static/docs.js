// Starts Swagger UI on /docs; a file, not an inline script, so the CSP stays strict.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  if (!root || !window.SwaggerUIBundle) return;
  window.SwaggerUIBundle({ url: root.dataset.openapi, dom_id: "#swagger-ui" });
});

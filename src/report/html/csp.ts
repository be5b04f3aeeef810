/**
 * The Content-Security-Policy of every self-contained page the harness writes (report.html,
 * history.html): inline CSS and SVG only — no script, no external request, no form.
 */
export const SELF_CONTAINED_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

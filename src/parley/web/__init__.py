"""The web page's files: index.html and static/ (the page's CSS and JavaScript modules),
served by `parley.api.web`. The dashboard it draws a result with (dashboard.js, charts.js,
dom.js, dashboard.css) lives in `parley.report`'s static/, since the HTML report is the
same dashboard saved offline; both directories are served under /static/. Plain HTML,
CSS and JavaScript modules: no build step."""

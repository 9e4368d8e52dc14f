"""The web page's files: index.html and static/ (CSS, JavaScript modules), served by
`parley.api.web`. Plain HTML, CSS and JavaScript modules: no build step."""

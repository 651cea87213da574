module drm.dtf.io/pause

go 1.24

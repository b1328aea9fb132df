-- The W3C traceparent of the ImageCopyRequested a copy came from: the worker continues that trace when it runs
-- the copy (possibly on another replica, after a restart), so one copy is one trace. Null for copies queued
-- before tracing, or requested without trace context.
alter table image_copy add column traceparent text;

// A model with anywidget's interface (get / set / on / off / save_changes) over plain state:
// the static page drives the same render({model, el}) as the live kernel does.
export function staticModel(state) {
  const data = { ...state };
  const handlers = new Map();
  const pending = new Set();
  return {
    get: (key) => data[key],
    set(key, value) {
      if (data[key] !== value) { data[key] = value; pending.add(key); }
    },
    save_changes() {
      const keys = [...pending];
      pending.clear();
      for (const key of keys) for (const fn of handlers.get(`change:${key}`) || []) fn();
    },
    on(event, fn) {
      if (!handlers.has(event)) handlers.set(event, new Set());
      handlers.get(event).add(fn);
    },
    off(event, fn) {
      if (fn) handlers.get(event)?.delete(fn); else handlers.delete(event);
    },
  };
}

;; Never returns: stop it with `wasmux run --timeout 100ms examples/spin.wat --invoke spin`.
(module
  (func (export "spin") (loop $forever (br $forever))))

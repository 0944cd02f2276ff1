// The operator's controls: POSTs with the bearer token typed into the header (kept in this browser's
// localStorage only). A refused call says why in the notice bar.

const $ = (id) => document.getElementById(id)

const tokenInput = $('token')
tokenInput.value = localStorage.getItem('mm-token') ?? ''
tokenInput.addEventListener('change', () => localStorage.setItem('mm-token', tokenInput.value))
$('token-form').addEventListener('submit', (e) => {
  e.preventDefault()
  localStorage.setItem('mm-token', tokenInput.value)
})

/** `afterwards` redraws the notice bar's usual text (the holds) once a message has been read. */
export function mountControls(afterwards) {
  function say(text, bad = false) {
    const n = $('notice')
    n.hidden = false
    n.textContent = text
    n.className = `notice ${bad ? 'bad' : 'ok'}`
    clearTimeout(say.timer)
    say.timer = setTimeout(afterwards, 6000)
  }

  async function post(path, body) {
    const res = await fetch(path, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokenInput.value}`, 'Content-Type': 'application/json' },
      body: body === undefined ? '' : JSON.stringify(body),
    })
    const json = await res.json().catch(() => ({}))
    if (!res.ok) {
      const why = res.status === 401 ? 'wrong or missing API token' : (json.error ?? `HTTP ${res.status}`)
      say(`${path}: ${why}`, true)
      return undefined
    }
    return json
  }

  const actions = {
    'pause-all': () => post('/control/pause').then((r) => r && say(`all quoting paused; ${r.orders_left} orders left`)),
    'resume-all': () => post('/control/resume').then((r) => r && say('quoting resumed')),
    halt: () => {
      if (!confirm('Halt: cancel every order and stop quoting until “Resume all”?')) return
      return post('/control/halt').then((r) => r && say(`halted; ${r.orders_left} orders left`))
    },
    lift: () =>
      post('/control/lift-loss-halt').then((r) => r && say('daily loss count reset; a daily-loss halt is lifted')),
    reload: () =>
      fetch('/config/reload', { method: 'POST', headers: { Authorization: `Bearer ${tokenInput.value}` } })
        .then(async (res) => ({ res, json: await res.json().catch(() => ({})) }))
        .then(({ res, json }) =>
          res.ok
            ? say(`config reload: ${json.outcome} (generation ${json.generation})`)
            : say(
                `config reload: ${res.status === 401 ? 'wrong or missing API token' : (json.errors ?? [json.error]).join('; ')}`,
                true,
              ),
        ),
    pause: (market) => post('/control/pause', { market }).then((r) => r && say(`paused; ${r.orders_left} orders left`)),
    resume: (market) => post('/control/resume', { market }).then((r) => r && say('resumed')),
  }

  document.addEventListener('click', (e) => {
    const button = e.target.closest('button[data-action]')
    if (!button) return
    actions[button.dataset.action]?.(button.dataset.market)
  })
}

/**
 * Building the page and updating it in place: `el` makes elements (values always as text, never as
 * HTML) and `morph` changes an existing tree to match a new one, touching only the nodes, texts and
 * attributes that differ. Rows keep their elements across updates, so nothing flickers and focus,
 * selection and scroll stay where they were.
 */

/** Event handlers `el` sets as properties, so that `morph` can carry them over. */
const EVENTS = ['click', 'input', 'submit', 'change', 'keydown'];

/**
 * An element with attributes (`on<event>` functions become handlers) and children (strings become
 * text). A `svg:` prefix makes an SVG element.
 *
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node | string | number | undefined | false | null)} children
 */
export function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith('svg:')
    ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false || value === null) continue;
    if (key.startsWith('on')) /** @type {any} */ (node)[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === undefined || child === false || child === null) continue;
    node.append(typeof child === 'object' ? child : String(child));
  }
  return node;
}

/**
 * Makes the children of `parent` match `wanted`: a node of the same kind (tag, and `data-key`
 * when given) at the same place is updated in place, any other is replaced, extra ones removed.
 *
 * @param {Element} parent
 * @param {Node[]} wanted
 */
export function morph(parent, wanted) {
  wanted.forEach((want, i) => {
    const have = parent.childNodes[i];
    if (have === undefined) parent.append(want);
    else if (sameKind(have, want)) update(have, want);
    else parent.replaceChild(want, have);
  });
  while (parent.childNodes.length > wanted.length) parent.lastChild?.remove();
}

/** @param {Node} a @param {Node} b */
function sameKind(a, b) {
  if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName) return false;
  if (!(a instanceof Element) || !(b instanceof Element)) return true;
  return a.getAttribute('data-key') === b.getAttribute('data-key');
}

/** @param {Node} have @param {Node} want */
function update(have, want) {
  if (!(have instanceof Element) || !(want instanceof Element)) {
    if (have.nodeValue !== want.nodeValue) have.nodeValue = want.nodeValue;
    return;
  }
  for (const { name } of [...have.attributes]) {
    // A section someone opened stays open.
    if (name === 'open' && have instanceof HTMLDetailsElement) continue;
    if (!want.hasAttribute(name)) have.removeAttribute(name);
  }
  for (const { name, value } of [...want.attributes])
    if (have.getAttribute(name) !== value) have.setAttribute(name, value);
  for (const event of EVENTS) {
    const key = `on${event}`;
    if (/** @type {any} */ (have)[key] !== /** @type {any} */ (want)[key])
      /** @type {any} */ (have)[key] = /** @type {any} */ (want)[key];
  }
  // What someone is typing stays; an input not being edited shows the new value.
  if (have instanceof HTMLInputElement && want instanceof HTMLInputElement && document.activeElement !== have)
    if (have.value !== want.value) have.value = want.value;
  morph(have, [...want.childNodes]);
}

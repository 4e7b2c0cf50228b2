import { parser } from '@prometheus-io/lezer-promql';
import { CubeError } from '@cube/contracts';
import { MATCH_NOTHING, rectangleMatchers, rectanglesOf, ScopeRectangle, Visibility } from './visibility';

/*
 * Scoping PromQL to what a caller may see. Every byte a PromQL query reads comes from a vector
 * selector (a matrix selector is a vector selector with a range), so the query is scoped when each
 * selector can only match visible (cluster, namespace) pairs. The rewrite never interprets the
 * caller's matchers: it ADDS `cluster` and `namespace` matchers, and Prometheus ANDs every matcher of
 * a selector, so the caller's own `namespace=~".+"` can only narrow the result further, never widen it.
 *
 * One selector expresses one rectangle (clusters × namespaces). A visible set made of several
 * rectangles (`rectanglesOf`, disjoint cluster sets) becomes a union of copies of the selector, one per
 * rectangle: `(x{R1} or x{R2})`. `or` adds the right-hand series whose label sets are not on the left;
 * copies for different rectangles differ in `cluster`, so the union is exact and keeps every label (the
 * metric name too), and an arithmetic or set operation around it sees the same series as with one
 * selector. A range vector cannot be OR-ed, so the function call taking a matrix selector is copied
 * instead: `(rate(x{R1}[5m]) or rate(x{R2}[5m]))`. Every range function works series by series and keeps
 * `cluster`, so this union is exact too; `absent_over_time` (one series when nothing matched) is joined
 * with `and on()` instead, "absent in every rectangle". A bare range vector at the top of a query with
 * several rectangles has no such function around it and is refused (`unscopable_query`).
 */

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export interface ScopedQuery {
  /** The query to send to the store. */
  readonly query: string;
}

/** Parses `query` with the official PromQL grammar; a syntax error is BAD_REQUEST `invalid_promql` with its position. */
export function parsePromql(query: string): SyntaxNode {
  if (query.trim() === '') throw invalidPromql('the query is empty', query, 0);
  const tree = parser.parse(query);
  let errorAt: number | null = null;
  tree.iterate({
    enter: (node) => {
      if (errorAt !== null) return false;
      if (node.type.isError) errorAt = node.from;
      return undefined;
    },
  });
  if (errorAt !== null) throw invalidPromql(describeError(query, errorAt), query, errorAt);
  const top = tree.topNode.firstChild;
  if (top === null) throw invalidPromql('the query holds no expression', query, 0);
  return tree.topNode;
}

/** The query rewritten so that it can only read series of `visibility`; platform visibility returns it unchanged (but parsed). */
export function scopeQuery(query: string, visibility: Visibility): string {
  const root = parsePromql(query);
  if (visibility.kind === 'all') return query;
  return new ScopeRewriter(query, rectanglesOf(visibility.pairs)).render(root);
}

/**
 * A series selector (the `match[]` of `/series`, `/labels`, `/label/<name>/values`) scoped to
 * `visibility`: one selector per rectangle, since the store returns the union of all `match[]` given.
 * No visible pair: one selector that matches nothing.
 */
export function scopeSeriesSelector(selector: string, visibility: Visibility): string[] {
  const root = parsePromql(selector);
  const expression = root.firstChild;
  if (expression === null || expression.name !== 'VectorSelector' || expression.nextSibling !== null) {
    throw new CubeError('BAD_REQUEST', `"${selector}" is not a series selector (a metric name and/or label matchers, nothing else)`, {
      reason: 'invalid_series_selector',
      fields: [{ field: 'match[]', message: 'must be a series selector' }],
    });
  }
  if (visibility.kind === 'all') return [selector];
  const rewriter = new ScopeRewriter(selector, rectanglesOf(visibility.pairs));
  return rewriter.alternatives().map((rectangle) => rewriter.withMatchers(expression, rectangleText(rectangle)));
}

/** Series selectors for a call that gave no `match[]`: everything visible (none → a selector matching nothing). */
export function visibleSeriesSelectors(visibility: Visibility): string[] | null {
  if (visibility.kind === 'all') return null;
  const rectangles = rectanglesOf(visibility.pairs);
  if (rectangles.length === 0) return [`{${MATCH_NOTHING}}`];
  return rectangles.map((rectangle) => `{${rectangleMatchers(rectangle)}}`);
}

/** Function calls whose matrix argument is split into one call per rectangle, joined otherwise than by `or`. */
const JOIN_OF_FUNCTION: Record<string, string> = { absent_over_time: ' and on() ' };

/** Nodes that may sit between a range function's argument position and its vector selector. */
const MATRIX_PATH = new Set(['ParenExpr', 'OffsetExpr', 'StepInvariantExpr', 'MatrixSelector']);

/** Modifier wrappers that stay glued to the selector they modify (`x offset 5m`, `x @ 100`). */
const MODIFIERS = new Set(['OffsetExpr', 'StepInvariantExpr']);

class ScopeRewriter {
  /** Vector selectors (by start offset) already fixed to one rectangle by an enclosing copy. */
  private readonly pinned = new Map<number, ScopeRectangle | null>();

  constructor(
    private readonly source: string,
    private readonly rectangles: readonly ScopeRectangle[],
  ) {}

  /** The rectangles a selector is copied over; none visible is one copy that matches nothing. */
  alternatives(): (ScopeRectangle | null)[] {
    return this.rectangles.length === 0 ? [null] : [...this.rectangles];
  }

  render(node: SyntaxNode): string {
    const union = this.rectangles.length > 1;
    if (union && node.name === 'FunctionCall') {
      const selector = this.matrixArgumentOf(node);
      if (selector !== null && !this.pinned.has(selector.from)) {
        const name = node.getChild('FunctionIdentifier');
        const join = (name && JOIN_OF_FUNCTION[this.text(name)]) ?? ' or ';
        return `(${this.copies(selector, node, join)})`;
      }
    }
    if (union && (node.name === 'VectorSelector' || MODIFIERS.has(node.name)) && !(node.parent && MODIFIERS.has(node.parent.name))) {
      const selector = this.modifiedSelectorOf(node);
      if (selector !== null && !this.pinned.has(selector.from)) {
        if (selector.parent?.name === 'MatrixSelector') throw unscopable(this.source, node.from);
        return `(${this.copies(selector, node, ' or ')})`;
      }
    }
    if (union && node.name === 'MatrixSelector') {
      const selector = node.getChild('VectorSelector');
      if (selector !== null && !this.pinned.has(selector.from)) throw unscopable(this.source, node.from);
    }
    if (node.name === 'VectorSelector') {
      const pinned = this.pinned.get(node.from);
      const rectangle = pinned !== undefined ? pinned : (this.alternatives()[0] ?? null);
      return this.withMatchers(node, rectangleText(rectangle));
    }
    return this.splice(node, (child) => this.render(child));
  }

  /** `node` rendered once per rectangle with `selector` fixed to it, joined. */
  private copies(selector: SyntaxNode, node: SyntaxNode, join: string): string {
    return this.alternatives()
      .map((rectangle) => {
        this.pinned.set(selector.from, rectangle);
        try {
          return this.render(node);
        } finally {
          this.pinned.delete(selector.from);
        }
      })
      .join(join);
  }

  /** The vector selector of a range function's matrix argument (through parentheses and modifiers), if any. */
  private matrixArgumentOf(call: SyntaxNode): SyntaxNode | null {
    const body = call.getChild('FunctionCallBody');
    for (let argument = body?.firstChild ?? null; argument !== null; argument = argument.nextSibling) {
      let node: SyntaxNode | null = argument;
      let throughMatrix = false;
      while (node !== null && MATRIX_PATH.has(node.name)) {
        if (node.name === 'MatrixSelector') {
          throughMatrix = true;
          node = node.getChild('VectorSelector');
          break;
        }
        node = node.firstChild;
      }
      if (throughMatrix && node !== null) return node;
    }
    return null;
  }

  /** The vector selector under a chain of modifiers (itself when `node` is one), or null. */
  private modifiedSelectorOf(node: SyntaxNode): SyntaxNode | null {
    let current: SyntaxNode | null = node;
    while (current !== null && MODIFIERS.has(current.name)) current = current.firstChild;
    if (current === null) return null;
    if (current.name === 'VectorSelector') return current;
    if (current.name === 'MatrixSelector') return current.getChild('VectorSelector');
    return null;
  }

  /** A vector selector's text with `matchers` appended inside its braces. */
  withMatchers(selector: SyntaxNode, matchers: string): string {
    const braces = selector.getChild('LabelMatchers');
    if (braces === null) return `${this.text(selector)}{${matchers}}`;
    const inner = this.source.slice(braces.from + 1, braces.to - 1).trimEnd();
    const separator = inner.trim() === '' || inner.endsWith(',') ? '' : ',';
    return `${this.source.slice(selector.from, braces.from)}{${inner}${separator}${matchers}}${this.source.slice(braces.to, selector.to)}`;
  }

  /** The node's source text with each child replaced by `renderChild(child)`. */
  private splice(node: SyntaxNode, renderChild: (child: SyntaxNode) => string): string {
    let out = '';
    let at = node.from;
    for (let child = node.firstChild; child !== null; child = child.nextSibling) {
      out += this.source.slice(at, child.from) + renderChild(child);
      at = child.to;
    }
    return out + this.source.slice(at, node.to);
  }

  private text(node: SyntaxNode): string {
    return this.source.slice(node.from, node.to);
  }
}

function rectangleText(rectangle: ScopeRectangle | null): string {
  return rectangle === null ? MATCH_NOTHING : rectangleMatchers(rectangle);
}

function invalidPromql(message: string, query: string, position: number): CubeError {
  const { line, column } = lineAndColumn(query, position);
  return new CubeError('BAD_REQUEST', `invalid PromQL: ${message}`, {
    reason: 'invalid_promql',
    position,
    line,
    column,
    fields: [{ field: 'query', message: `${message} (line ${line}, column ${column})` }],
  });
}

function describeError(query: string, position: number): string {
  if (position >= query.length) return 'unexpected end of query';
  const rest = query.slice(position).match(/^\S{1,20}/)?.[0] ?? query.charAt(position);
  return `unexpected "${rest}" at position ${position}`;
}

function lineAndColumn(query: string, position: number): { line: number; column: number } {
  const before = query.slice(0, position).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

function unscopable(query: string, position: number): CubeError {
  return new CubeError(
    'UNPROCESSABLE',
    'a bare range vector over namespaces of several clusters cannot be scoped into one selector; wrap it in a range function (e.g. last_over_time) or query one cluster',
    { reason: 'unscopable_query', position, ...lineAndColumn(query, position) },
  );
}

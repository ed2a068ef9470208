/**
 * The part of OData v4 query options Dataverse's Web API answers that the bot uses: `$filter`
 * with eq/ne/gt/ge/lt/le, and/or/not, parentheses, contains/startswith/endswith; `$select`;
 * `$orderby`; `$top`. As the service does: string comparisons ignore case; a GUID literal has no
 * quotes; `''` is a quote inside a string; inside contains/startswith/endswith, `%`, `_` and
 * `[…]` are SQL wildcards ("Use wildcard characters in conditions for string values"); a property
 * the table does not have is refused with 0x80060888.
 */

export type Row = Readonly<Record<string, unknown>>;
type Literal = string | number | boolean | null;

type Expression =
  | { readonly kind: 'and' | 'or'; readonly left: Expression; readonly right: Expression }
  | { readonly kind: 'not'; readonly operand: Expression }
  | { readonly kind: 'compare'; readonly op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; readonly property: string; readonly value: Literal }
  | { readonly kind: 'function'; readonly name: 'contains' | 'startswith' | 'endswith'; readonly property: string; readonly value: string };

/** A refusal with Dataverse's status, code and message. */
export class QueryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const GUID_LITERAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COMPARISONS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const;
const FUNCTIONS = ['contains', 'startswith', 'endswith'] as const;

/** What a table is called in error messages, and the properties it has. */
export interface TableShape {
  readonly entity: string;
  readonly properties: ReadonlySet<string>;
}

export interface Query {
  readonly filter: ((row: Row) => boolean) | undefined;
  readonly select: readonly string[] | undefined;
  readonly orderBy: readonly { readonly property: string; readonly descending: boolean }[];
  readonly top: number | undefined;
}

/** Reads $filter, $select, $orderby and $top, refusing what the table does not have. */
export function parseQuery(params: URLSearchParams, table: TableShape): Query {
  const known = (property: string): string => {
    if (!table.properties.has(property)) {
      throw new QueryError(400, '0x80060888', `Could not find a property named '${property}' on type 'Microsoft.Dynamics.CRM.${table.entity}'.`);
    }
    return property;
  };
  const filterText = params.get('$filter');
  const expression = filterText === null ? undefined : new Parser(filterText).parse();
  if (expression !== undefined) forEachProperty(expression, known);
  const select = params.get('$select')?.split(',').map((p) => known(p.trim()));
  const orderBy = (params.get('$orderby') ?? '')
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part) => {
      const [property = '', direction = 'asc'] = part.trim().split(/\s+/);
      return { property: known(property), descending: direction.toLowerCase() === 'desc' };
    });
  const topText = params.get('$top');
  const top = topText === null ? undefined : Number(topText);
  if (top !== undefined && (!Number.isInteger(top) || top < 0)) throw new QueryError(400, '0x80060888', `Invalid value '${String(topText)}' for $top query option.`);
  return { filter: expression === undefined ? undefined : (row) => evaluate(expression, row), select, orderBy, top };
}

/** The rows a query answers, in order, at most $top. */
export function runQuery(rows: Iterable<Row>, query: Query): Row[] {
  const found = [...rows].filter((row) => query.filter?.(row) ?? true);
  found.sort((a, b) => {
    for (const { property, descending } of query.orderBy) {
      const order = compare(a[property], b[property]);
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  });
  return query.top === undefined ? found : found.slice(0, query.top);
}

function forEachProperty(expression: Expression, visit: (property: string) => unknown): void {
  switch (expression.kind) {
    case 'and':
    case 'or':
      forEachProperty(expression.left, visit);
      forEachProperty(expression.right, visit);
      return;
    case 'not':
      forEachProperty(expression.operand, visit);
      return;
    default:
      visit(expression.property);
  }
}

function evaluate(expression: Expression, row: Row): boolean {
  switch (expression.kind) {
    case 'and':
      return evaluate(expression.left, row) && evaluate(expression.right, row);
    case 'or':
      return evaluate(expression.left, row) || evaluate(expression.right, row);
    case 'not':
      return !evaluate(expression.operand, row);
    case 'function': {
      const value = row[expression.property];
      if (typeof value !== 'string') return false;
      const pattern = likePattern(expression.value);
      const anchored = expression.name === 'contains' ? pattern : expression.name === 'startswith' ? `^${pattern}` : `${pattern}$`;
      return new RegExp(anchored, 'is').test(value);
    }
    case 'compare': {
      const order = compare(row[expression.property], expression.value);
      if (Number.isNaN(order)) return expression.op === 'ne';
      return { eq: order === 0, ne: order !== 0, gt: order > 0, ge: order >= 0, lt: order < 0, le: order <= 0 }[expression.op];
    }
  }
}

/** Orders two values as the service does: strings (and GUIDs) without regard to case; NaN when they cannot be compared. */
function compare(a: unknown, b: unknown): number {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null) ? 0 : Number.NaN;
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase().localeCompare(b.toLowerCase());
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return Number.NaN;
}

/** A SQL LIKE fragment as a regular expression: % any run, _ one character, […] and [^…] a class. */
function likePattern(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else if (c === '[') {
      const end = text.indexOf(']', i + 1);
      if (end === -1) {
        out += '\\[';
        continue;
      }
      const inside = text.slice(i + 1, end);
      const negated = inside.startsWith('^');
      const chars = (negated ? inside.slice(1) : inside).replace(/[\\\]^]/g, '\\$&');
      out += `[${negated ? '^' : ''}${chars}]`;
      i = end;
    } else out += c.replace(/[.*+?^${}()|\\/]/g, '\\$&');
  }
  return out;
}

type Token = { readonly kind: 'word' | 'string' | 'number' | 'guid' | 'punct'; readonly text: string };

/** A recursive-descent parser for the $filter subset above. */
class Parser {
  private readonly tokens: Token[];
  private at = 0;

  constructor(private readonly source: string) {
    this.tokens = tokenize(source);
  }

  parse(): Expression {
    const expression = this.or();
    if (this.at < this.tokens.length) this.fail(`unexpected '${this.tokens[this.at]?.text ?? ''}'`);
    return expression;
  }

  private or(): Expression {
    let left = this.and();
    while (this.takeWord('or')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): Expression {
    let left = this.unary();
    while (this.takeWord('and')) left = { kind: 'and', left, right: this.unary() };
    return left;
  }

  private unary(): Expression {
    if (this.takeWord('not')) return { kind: 'not', operand: this.unary() };
    if (this.takePunct('(')) {
      const inner = this.or();
      this.expectPunct(')');
      return inner;
    }
    const word = this.next('word').text;
    const name = FUNCTIONS.find((f) => f === word.toLowerCase());
    if (name !== undefined) {
      this.expectPunct('(');
      const property = this.next('word').text;
      this.expectPunct(',');
      const value = this.next('string').text;
      this.expectPunct(')');
      return { kind: 'function', name, property, value };
    }
    const opWord = this.next('word').text.toLowerCase();
    const op = COMPARISONS.find((c) => c === opWord);
    if (op === undefined) this.fail(`'${opWord}' is not a comparison operator`);
    return { kind: 'compare', op, property: word, value: this.literal() };
  }

  private literal(): Literal {
    const token = this.tokens[this.at++];
    if (token === undefined) return this.fail('a value is missing');
    if (token.kind === 'string' || token.kind === 'guid') return token.text;
    if (token.kind === 'number') return Number(token.text);
    if (token.kind === 'word' && ['true', 'false', 'null'].includes(token.text)) return token.text === 'null' ? null : token.text === 'true';
    return this.fail(`'${token.text}' is not a value`);
  }

  private next(kind: Token['kind']): Token {
    const token = this.tokens[this.at];
    if (token?.kind !== kind) return this.fail(token === undefined ? 'the expression ends too soon' : `unexpected '${token.text}'`);
    this.at++;
    return token;
  }

  private takeWord(word: string): boolean {
    const token = this.tokens[this.at];
    if (token?.kind !== 'word' || token.text.toLowerCase() !== word) return false;
    this.at++;
    return true;
  }

  private takePunct(punct: string): boolean {
    if (this.tokens[this.at]?.kind !== 'punct' || this.tokens[this.at]?.text !== punct) return false;
    this.at++;
    return true;
  }

  private expectPunct(punct: string): void {
    if (!this.takePunct(punct)) this.fail(`'${punct}' expected`);
  }

  private fail(why: string): never {
    throw new QueryError(400, '0x80060888', `Syntax error in $filter '${this.source}': ${why}.`);
  }
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let text = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new QueryError(400, '0x80060888', `Syntax error in $filter '${source}': a string is not closed.`);
        if (source.charAt(i) === "'") {
          if (source.charAt(i + 1) !== "'") break;
          i++;
        }
        text += source.charAt(i);
        i++;
      }
      i++;
      tokens.push({ kind: 'string', text });
    } else if ('(),'.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else {
      const word = /^[\w.@-]+/.exec(source.slice(i))?.[0];
      if (word === undefined) throw new QueryError(400, '0x80060888', `Syntax error in $filter '${source}': unexpected '${c}'.`);
      tokens.push({ kind: GUID_LITERAL.test(word) ? 'guid' : /^-?\d+(\.\d+)?$/.test(word) ? 'number' : 'word', text: word });
      i += word.length;
    }
  }
  return tokens;
}

// The back-office queues' filter by state: a GET form whose `state` select
// lists the pseudo-states first (all, open…) then each state; and reading the
// chosen one back from the query.
import type { ComponentChildren } from 'preact';

type Option = { value: string; label: string };

export function StateFilter<S extends string>(props: {
  action: string;
  label: string;
  submit: string;
  selected: string;
  /** The choices before the states, e.g. `all`. */
  first: readonly Option[];
  states: readonly S[];
  stateLabels: Readonly<Record<S, string>>;
  /** More fields of the same form, after the state. */
  children?: ComponentChildren;
}) {
  const options = [...props.first, ...props.states.map((s) => ({ value: s, label: props.stateLabels[s] }))];
  return (
    <form method="get" action={props.action} class="catalogue-filter">
      <label>
        {props.label}{' '}
        <select name="state">
          {options.map((o) => (
            <option key={o.value} value={o.value} selected={props.selected === o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>{' '}
      {props.children}
      <button type="submit">{props.submit}</button>
    </form>
  );
}

/** The `state` of the query when it is one of `allowed`, else `fallback`. */
export function stateFilterOf<T extends string>(query: unknown, allowed: readonly T[], fallback: T): T {
  const state = (query as { state?: unknown } | undefined)?.state;
  return allowed.find((a) => a === state) ?? fallback;
}

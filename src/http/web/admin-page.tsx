// The frame of a back-office page: the staff layout, the title as its
// heading, then what the last form left (a notice or a refusal).
import type { ComponentChildren } from 'preact';
import { FlashMessages, type PageError } from './flash.js';
import type { StaffPage } from './form-page.js';
import { Layout } from './layout.js';

export function AdminPage(props: StaffPage & { title: string; path: string; notice?: string | null; error?: PageError | null; children: ComponentChildren }) {
  return (
    <Layout lang={props.lang} title={props.title} shop={props.shop} path={props.path} area="admin" staffLabel={props.staffEmail} csrfToken={props.csrfToken}>
      <h1>{props.title}</h1>
      <FlashMessages notice={props.notice} error={props.error} />
      {props.children}
    </Layout>
  );
}

// The search box's index, built at build time with minisearch: one document per section
// (h1-h3 and the text under it) of every lesson and guide. It is written as a script,
// assets/search-index.js, so that it loads from file:// too; assets/site.js loads it and
// minisearch's browser build the first time the search box gets the focus.

import MiniSearch from "minisearch";
import type { Section } from "./markdown.ts";

export interface SearchDoc {
  id: number;
  /** Site-relative url with the section's #id. */
  url: string;
  page: string;
  heading: string;
  text: string;
  /** The start of the text, shown under a result. */
  excerpt: string;
}

/** The options the browser must load the index with (same fields). */
export const SEARCH_OPTIONS = {
  fields: ["heading", "text", "page"],
  storeFields: ["url", "page", "heading", "excerpt"],
};

export class SearchIndex {
  private readonly docs: SearchDoc[] = [];

  add(url: string, page: string, sections: readonly Section[]): void {
    for (const s of sections) {
      if (s.heading === "" && s.text === "") continue;
      const excerpt = s.text.length > 160 ? `${s.text.slice(0, 157).replace(/\s+\S*$/, "")} ...` : s.text;
      this.docs.push({ id: this.docs.length, url: s.id ? `${url}#${s.id}` : url, page, heading: s.heading, text: s.text, excerpt });
    }
  }

  get size(): number {
    return this.docs.length;
  }

  /** The script that sets window.FTPLAB_SEARCH = { options, index }. */
  script(): string {
    const search = new MiniSearch<SearchDoc>(SEARCH_OPTIONS);
    search.addAll(this.docs);
    const payload = { options: SEARCH_OPTIONS, index: search.toJSON() };
    return `window.FTPLAB_SEARCH = ${JSON.stringify(payload).replace(/</g, "\\u003c")};\n`;
  }
}

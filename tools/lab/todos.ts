// Where a lesson's work goes: every line of the learner's starter that says TODO(lesson N).
//
//   findTodos(root, "lessons/02-passive-ports/src", 2)
//   -> [{ file: "lessons/02-passive-ports/src/data/passive.ts", line: 118,
//         text: "// TODO(lesson 2): yield the ports of the range ..." }]

import { readFileSync } from "node:fs";
import path from "node:path";
import { listFiles } from "../curriculum/file-tree.ts";

export interface Todo {
  /** Posix path relative to the root. */
  file: string;
  line: number;
  text: string;
}

export async function findTodos(root: string, srcDir: string, lessonId: number): Promise<Todo[]> {
  const marker = new RegExp(`TODO\\(lesson ${lessonId}\\)`);
  const todos: Todo[] = [];
  for (const relative of await listFiles(path.resolve(root, srcDir))) {
    const text = readFileSync(path.resolve(root, srcDir, relative), "utf8");
    text.split("\n").forEach((line, index) => {
      if (marker.test(line)) todos.push({ file: `${srcDir}/${relative}`, line: index + 1, text: line.trim() });
    });
  }
  return todos;
}

// Which files an image dataset holds and what each one's label is, before any pixel is read:
// class folders (DIR/CLASS/*), train/test class folders (DIR/train/CLASS/*, DIR/test/CLASS/*),
// or a CSV manifest (path,label or path,TARGET...). Names, sizes and mtimes key the cache.
import { readdirSync, statSync, type Stats } from 'node:fs';
import { sortClassNames } from '../class-names';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { FILE_LIMITS, readRegularText } from '../../io/read';
import { parseDecimal } from '../table/read';

export interface ImageEntry {
  /** Absolute path. */
  path: string;
  /** Path relative to the dataset's root: how errors, the cache key and predictions name it. */
  name: string;
  size: number;
  mtimeMs: number;
  /** Change time: unlike mtime, no copy or touch can set it back, so the cache key sees rewritten files. */
  ctimeMs: number;
  /** Class index (classification), or -1 with `targets`. */
  label: number;
  targets?: number[];
}

export interface ImageListing {
  root: string;
  /** The folder or manifest file given (a manifest's cache is its own). */
  source: string;
  layout: 'class-folders' | 'train-test-folders' | 'manifest';
  /** Classification: class names by index. */
  classNames?: string[];
  /** Regression (manifest with number columns): the target names. */
  targetNames?: string[];
  train: ImageEntry[];
  /** Null: the data comes with no test set (a seeded share is split off). */
  test: ImageEntry[] | null;
  /** Entries that are not files at all (nested folders, sockets): errors, or skipped with skip-unreadable. */
  unreadable: { name: string; reason: string }[];
}

const visible = (name: string) => !name.startsWith('.');

/** A folder's entries; an unreadable folder is an error naming it. */
function listFolder(dir: string): import('node:fs').Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RangeError(`--data images: cannot list the folder ${dir}: ${code === 'EACCES' ? 'permission denied' : (code ?? (e as Error).message)}`);
  }
}
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function statOf(path: string, what: string): Stats {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RangeError(`--data images: cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file or folder' : code}`);
  }
}

function subfolders(dir: string): string[] {
  return listFolder(dir)
    .filter((d) => visible(d.name) && (d.isDirectory() || (d.isSymbolicLink() && statSync(join(dir, d.name), { throwIfNoEntry: false })?.isDirectory())))
    .map((d) => d.name)
    .sort(byName);
}

/** The files of one class folder, sorted by name; anything that is not a regular file is listed as unreadable. */
function classFiles(root: string, dir: string, label: number, unreadable: ImageListing['unreadable']): ImageEntry[] {
  const out: ImageEntry[] = [];
  for (const name of listFolder(dir).map((d) => d.name).filter(visible).sort(byName)) {
    const path = join(dir, name);
    const stats = statSync(path, { throwIfNoEntry: false });
    const rel = relative(root, path);
    if (!stats) unreadable.push({ name: rel, reason: 'a broken link' });
    else if (!stats.isFile()) unreadable.push({ name: rel, reason: stats.isDirectory() ? 'a folder inside a class folder' : 'not a regular file' });
    else out.push({ path, name: rel, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, label });
  }
  return out;
}

function classFolderSplit(root: string, dir: string, classNames: string[], unreadable: ImageListing['unreadable'], splitName: string): ImageEntry[] {
  const entries: ImageEntry[] = [];
  for (const [label, cls] of classNames.entries()) {
    const files = classFiles(root, join(dir, cls), label, unreadable);
    if (files.length === 0) throw new RangeError(`--data images: class folder ${join(dir, cls)} holds no files${splitName ? ` (${splitName})` : ''}; every class needs at least one image`);
    entries.push(...files);
  }
  return entries;
}

function requireClasses(classNames: string[], dir: string): void {
  if (classNames.length === 0) throw new RangeError(`--data images: ${dir} has no class folders; put each class's images in a folder named after it (DIR/CLASS/image.png), or DIR/train/CLASS and DIR/test/CLASS`);
  if (classNames.length === 1) throw new RangeError(`--data images: ${dir} has one class folder ('${classNames[0]}'); classification needs at least 2 classes`);
}

function scanFolders(root: string): ImageListing {
  const unreadable: ImageListing['unreadable'] = [];
  const top = subfolders(root);
  if (top.includes('train') && top.includes('test')) {
    const trainDir = join(root, 'train');
    const classNames = subfolders(trainDir);
    requireClasses(classNames, trainDir);
    const testClasses = subfolders(join(root, 'test'));
    const foreign = testClasses.filter((c) => !classNames.includes(c));
    if (foreign.length) throw new RangeError(`--data images: ${join(root, 'test')} has class folder(s) ${foreign.map((c) => `'${c}'`).join(', ')} that train/ does not have; the classes are ${classNames.join(', ')}`);
    const train = classFolderSplit(root, trainDir, classNames, unreadable, 'train');
    // A class missing from test/ is allowed (it is scored on no images); an empty one is still odd data.
    const test: ImageEntry[] = [];
    for (const cls of testClasses) {
      const files = classFiles(root, join(root, 'test', cls), classNames.indexOf(cls), unreadable);
      if (files.length === 0) throw new RangeError(`--data images: class folder ${join(root, 'test', cls)} holds no files; remove it or add its images`);
      test.push(...files);
    }
    if (test.length === 0) throw new RangeError(`--data images: ${join(root, 'test')} has no class folders with images`);
    return { root, source: root, layout: 'train-test-folders', classNames, train, test, unreadable };
  }
  if (top.includes('train') !== top.includes('test')) {
    throw new RangeError(`--data images: ${root} has a '${top.includes('train') ? 'train' : 'test'}' folder but no '${top.includes('train') ? 'test' : 'train'}' folder; give both (each with class folders) or only class folders`);
  }
  requireClasses(top, root);
  return { root, source: root, layout: 'class-folders', classNames: top, train: classFolderSplit(root, root, top, unreadable, ''), test: null, unreadable };
}

/** Rows of a manifest: `path` then `label` (class names) or number columns (targets). */
function scanManifest(file: string, test: string | undefined, skipMissing: boolean): ImageListing {
  const root = dirname(file);
  const unreadable: ImageListing['unreadable'] = [];
  const read = (path: string): { rows: string[][]; lines: number[] } => {
    const text = readRegularText(path, 'image manifest', FILE_LIMITS.metrics);
    let records: { record: string[]; info: { lines: number } }[];
    try {
      records = parse(text, { delimiter: path.toLowerCase().endsWith('.tsv') ? '\t' : ',', skip_empty_lines: true, relax_column_count: false, bom: true, info: true }) as unknown as typeof records;
    } catch (e) {
      throw new RangeError(`--data images: manifest ${path}: ${(e as Error).message}`);
    }
    if (records.length < 2) throw new RangeError(`--data images: manifest ${path} has no rows after its header (path,label or path,TARGET...)`);
    return { rows: records.map((r) => r.record), lines: records.map((r) => r.info.lines) };
  };
  const trainTable = read(file);
  const trainRows = trainTable.rows;
  const header = trainRows[0].map((h) => h.trim());
  if (header[0] !== 'path' || header.length < 2) throw new RangeError(`--data images: manifest ${file} must start with a header 'path,label' (classes) or 'path,TARGET,...' (float targets), got '${header.join(',')}'`);
  const classes = header[1] === 'label';
  if (classes && header.length > 2) throw new RangeError(`--data images: manifest ${file}: a class manifest has exactly two columns, path and label; it has ${header.join(', ')}`);
  const testTable = test ? read(test) : null;
  const testRows = testTable?.rows ?? null;
  if (testRows && testRows[0].map((h) => h.trim()).join(',') !== header.join(',')) throw new RangeError(`--data images: manifest ${test} has header '${testRows[0].join(',')}', not ${file}'s '${header.join(',')}'`);
  // Class names: every label text of the training manifest, sorted as a table's labels are.
  const classNames = classes ? sortClassNames(new Set(trainRows.slice(1).map((r) => r[1].trim()))) : undefined;
  if (classNames && classNames.length < 2) throw new RangeError(`--data images: manifest ${file} has ${classNames.length} label value(s); classification needs at least 2 classes`);
  const seen = new Map<string, string>();
  const entries = ({ rows, lines }: { rows: string[][]; lines: number[] }, path: string): ImageEntry[] =>
    rows.slice(1).flatMap((row, i): ImageEntry[] => {
      const where = `manifest ${path} line ${lines[i + 1]}`;
      const image = resolve(dirname(path), row[0].trim());
      // One file, one sample: listed twice it could train and test at once, or carry two labels.
      const first = seen.get(image);
      if (first) throw new RangeError(`--data images: ${where}: ${row[0]} is listed again (first at ${first}); list each image once`);
      seen.set(image, where);
      const stats = statSync(image, { throwIfNoEntry: false });
      if (!stats?.isFile()) {
        const reason = stats ? 'not a regular file' : 'no such file';
        if (skipMissing) {
          unreadable.push({ name: relative(root, image), reason });
          return [];
        }
        throw new RangeError(`--data images: ${where}: ${row[0]} is ${reason}`);
      }
      const entry = { path: image, name: relative(root, image), size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs };
      if (classNames) {
        const label = classNames.indexOf(row[1].trim());
        if (label < 0) throw new RangeError(`--data images: ${where}: label '${row[1]}' is not one of the training manifest's classes (${classNames.join(', ')})`);
        return [{ ...entry, label }];
      }
      const targets = row.slice(1).map((v, j) => {
        const x = parseDecimal(v);
        if (!Number.isFinite(x)) throw new RangeError(`--data images: ${where}, column '${header[j + 1]}': '${v}' is not a number (float targets must be numbers; a class column must be named 'label')`);
        return x;
      });
      return [{ ...entry, label: -1, targets }];
    });
  return {
    root,
    source: file,
    layout: 'manifest',
    classNames,
    targetNames: classes ? undefined : header.slice(1),
    train: entries(trainTable, file),
    test: testTable && test ? entries(testTable, test) : null,
    unreadable,
  };
}

/** Lists an image dataset: a folder (class folders, or train/ and test/) or a CSV/TSV manifest. */
export function scanImages(source: string, options: { test?: string; skipUnreadable: boolean }): ImageListing {
  const root = resolve(source);
  const stats = statOf(root, 'image folder or manifest');
  if (stats.isFile()) {
    if (!/\.(csv|tsv)$/i.test(root)) throw new RangeError(`--data images: ${source} is a file but not a .csv or .tsv manifest; give a folder of class folders or a manifest`);
    return scanManifest(root, options.test && resolve(options.test), options.skipUnreadable);
  }
  if (!stats.isDirectory()) throw new RangeError(`--data images: ${source} is neither a folder nor a manifest file`);
  if (options.test) throw new RangeError(`--data images: test= names a second manifest; a folder gives its test set as ${basename(root)}/test`);
  return scanFolders(root);
}

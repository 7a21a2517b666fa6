// `mnist:DIR`: the four MNIST IDX files (raw or gzipped) in a folder.
import { readIdxFolder } from '../idx';
import type { DataSourceKind } from './types';

export const MNIST: DataSourceKind = {
  name: 'mnist',
  arg: ':DIR',
  load: (dir) => {
    if (!dir) throw new RangeError('--data mnist needs a folder: mnist:DIR (the four IDX files, raw or .gz)');
    return readIdxFolder(dir, 'mnist', 'MNIST IDX files are the four train/t10k images/labels files of the MNIST site; pass their folder.');
  },
};

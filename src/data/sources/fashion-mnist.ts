// `fashion-mnist[:DIR]`: the IDX files of Fashion-MNIST (Debian's dataset-fashion-mnist by default).
import { readIdxFolder } from '../idx';
import type { DataSourceKind } from './types';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST: DataSourceKind = {
  name: 'fashion-mnist',
  arg: '[:DIR]',
  load: (dir) =>
    readIdxFolder(
      dir || FASHION_MNIST_DIR,
      'fashion-mnist',
      'On Debian/Ubuntu `apt-get install dataset-fashion-mnist` puts Fashion-MNIST in /usr/share/datasets/fashion-mnist.',
    ),
};

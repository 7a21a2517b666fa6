// `cifar10:DIR` and `cifar100:DIR[:coarse]`: the binary versions of CIFAR-10/100.
import { readCifar10, readCifar100 } from '../cifar';
import type { DataSourceKind } from './types';

export const CIFAR10: DataSourceKind = {
  name: 'cifar10',
  arg: ':DIR',
  load: (dir) => {
    if (!dir) throw new RangeError('--data cifar10 needs a folder: cifar10:DIR');
    return readCifar10(dir);
  },
};

export const CIFAR100: DataSourceKind = {
  name: 'cifar100',
  arg: ':DIR[:coarse]',
  load: (arg) => {
    if (!arg) throw new RangeError('--data cifar100 needs a folder: cifar100:DIR[:coarse]');
    const coarse = arg.endsWith(':coarse');
    return readCifar100(coarse ? arg.slice(0, -':coarse'.length) : arg, coarse ? 'coarse' : 'fine');
  },
};

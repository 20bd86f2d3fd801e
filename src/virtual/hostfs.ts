import * as fs from 'node:fs';
import * as path from 'node:path';
import { emscriptenErrno } from './errno';

/**
 * An Emscripten filesystem backend over a real host folder, with synchronous node:fs calls. The port
 * ships only MEMFS, whose files live in the worker's JavaScript heap and die with it; this one keeps
 * the board's files on disk, so they survive soft resets (a fresh worker) and are shared by the
 * workers that run the board's threads.
 *
 * Emscripten caches looked-up nodes per worker; a file another worker removes can linger in that cache
 * until the next lookup fails on disk. Threads that race on the same file see that (documented).
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
type EmFS = any;
type EmNode = any;
type EmStream = any;

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

/** readOnly: when it answers true, every change fails with EROFS (CircuitPython without remount). */
export function createHostFs(FS: EmFS, readOnly: () => boolean = () => false): object {
  const fail = (e: any): never => {
    if (e && e.name === 'ErrnoError') throw e;
    throw new FS.ErrnoError(emscriptenErrno(e?.code));
  };
  const writable = () => {
    if (readOnly()) throw new FS.ErrnoError(emscriptenErrno('EROFS'));
  };

  const realPath = (node: EmNode): string => {
    const parts: string[] = [];
    while (node.parent !== node) {
      parts.push(node.name);
      node = node.parent;
    }
    parts.push(node.mount.opts.root);
    return path.join(...parts.reverse());
  };

  const nodeFlags = (flags: number): number => {
    const c = fs.constants;
    const access = flags & 3;
    let out = access === 0 ? c.O_RDONLY : access === 1 ? c.O_WRONLY : c.O_RDWR;
    if (flags & 1024) out |= c.O_APPEND;
    // FS.open has already created (mknod) and truncated; O_CREAT only guards against a stale node cache.
    if (access !== 0) out |= c.O_CREAT;
    return out;
  };

  const node_ops = {
    getattr(node: EmNode) {
      try {
        const st = fs.lstatSync(realPath(node));
        return {
          dev: 1, ino: st.ino, mode: st.mode, nlink: st.nlink, uid: 0, gid: 0, rdev: 0,
          size: st.size, atime: st.atime, mtime: st.mtime, ctime: st.ctime,
          blksize: 4096, blocks: Math.ceil(st.size / 4096),
        };
      } catch (e) { return fail(e); }
    },
    setattr(node: EmNode, attr: any) {
      if (attr.mode !== undefined || attr.size !== undefined) writable();
      try {
        const p = realPath(node);
        if (attr.mode !== undefined) fs.chmodSync(p, attr.mode & 0o7777);
        if (attr.size !== undefined) fs.truncateSync(p, attr.size);
        if (attr.mtime !== undefined || attr.atime !== undefined) {
          const st = fs.statSync(p);
          fs.utimesSync(p, new Date(attr.atime ?? st.atime), new Date(attr.mtime ?? st.mtime));
        }
      } catch (e) { fail(e); }
    },
    lookup(parent: EmNode, name: string) {
      try {
        const st = fs.lstatSync(path.join(realPath(parent), name));
        return makeNode(parent, name, st.mode);
      } catch (e) { return fail(e); }
    },
    mknod(parent: EmNode, name: string, mode: number) {
      writable();
      const node = makeNode(parent, name, mode);
      try {
        const p = realPath(node);
        if ((mode & S_IFMT) === S_IFDIR) fs.mkdirSync(p, { mode: 0o777 });
        else fs.writeFileSync(p, '', { flag: 'wx' });
      } catch (e) { fail(e); }
      return node;
    },
    rename(oldNode: EmNode, newDir: EmNode, newName: string) {
      writable();
      try {
        fs.renameSync(realPath(oldNode), path.join(realPath(newDir), newName));
      } catch (e) { fail(e); }
      oldNode.name = newName;
    },
    unlink(parent: EmNode, name: string) {
      writable();
      try { fs.unlinkSync(path.join(realPath(parent), name)); } catch (e) { fail(e); }
    },
    rmdir(parent: EmNode, name: string) {
      writable();
      try { fs.rmdirSync(path.join(realPath(parent), name)); } catch (e) { fail(e); }
    },
    readdir(node: EmNode) {
      try { return ['.', '..', ...fs.readdirSync(realPath(node))]; } catch (e) { return fail(e); }
    },
    symlink() { throw new FS.ErrnoError(emscriptenErrno('EPERM')); },
    readlink() { throw new FS.ErrnoError(emscriptenErrno('EINVAL')); },
  };

  const stream_ops = {
    open(stream: EmStream) {
      if (FS.isDir(stream.node.mode)) return;
      if ((stream.flags & 3) !== 0) writable();
      try { stream.nfd = fs.openSync(realPath(stream.node), nodeFlags(stream.flags)); } catch (e) { fail(e); }
    },
    close(stream: EmStream) {
      if (stream.nfd === undefined) return;
      try { fs.closeSync(stream.nfd); } catch (e) { fail(e); }
    },
    read(stream: EmStream, buffer: Int8Array, offset: number, length: number, position: number) {
      if (length === 0) return 0;
      try { return fs.readSync(stream.nfd, buffer, offset, length, position); } catch (e) { return fail(e); }
    },
    write(stream: EmStream, buffer: Int8Array, offset: number, length: number, position: number) {
      try { return fs.writeSync(stream.nfd, buffer, offset, length, position); } catch (e) { return fail(e); }
    },
    llseek(stream: EmStream, offset: number, whence: number) {
      let pos = offset;
      if (whence === 1) pos += stream.position;
      else if (whence === 2 && FS.isFile(stream.node.mode)) {
        try { pos += fs.fstatSync(stream.nfd).size; } catch (e) { fail(e); }
      }
      if (pos < 0) throw new FS.ErrnoError(emscriptenErrno('EINVAL'));
      return pos;
    },
  };

  function makeNode(parent: EmNode | null, name: string, mode: number): EmNode {
    const node = FS.createNode(parent, name, mode, 0);
    node.node_ops = node_ops;
    node.stream_ops = stream_ops;
    return node;
  }

  return {
    mount(mount: any) {
      const root = mount.opts.root as string;
      fs.mkdirSync(root, { recursive: true });
      return makeNode(null, '/', fs.lstatSync(root).mode);
    },
  };
}

/**
 * Errno numbers. The WebAssembly port's libc (Emscripten/WASI) numbers errors its own way (ENOENT is 44),
 * and MicroPython passes them through, so a missing file raised `OSError: 44`. Real boards raise the
 * Linux numbers that MicroPython's own `errno` module uses (ENOENT is 2). The worker maps each syscall
 * result from the first column to the last; node:fs error codes map through the name.
 *
 * EINTR stays Emscripten's 27: the port's C code compares errno with its own EINTR to retry a syscall
 * after running pending exceptions, and that is how Ctrl-C reaches code blocked on stdin.
 */
const TABLE: Array<[string, number, number]> = [
  ['E2BIG', 1, 7], ['EACCES', 2, 13], ['EADDRINUSE', 3, 98], ['EADDRNOTAVAIL', 4, 99],
  ['EAFNOSUPPORT', 5, 97], ['EAGAIN', 6, 11], ['EALREADY', 7, 114], ['EBADF', 8, 9], ['EBADMSG', 9, 74],
  ['EBUSY', 10, 16], ['ECANCELED', 11, 125], ['ECHILD', 12, 10], ['ECONNABORTED', 13, 103],
  ['ECONNREFUSED', 14, 111], ['ECONNRESET', 15, 104], ['EDEADLK', 16, 35], ['EDESTADDRREQ', 17, 89],
  ['EDOM', 18, 33], ['EDQUOT', 19, 122], ['EEXIST', 20, 17], ['EFAULT', 21, 14],
  // Linux EFBIG (27) would read as EINTR to the port's C code and loop forever: report ENOSPC instead.
  ['EFBIG', 22, 28],
  ['EHOSTUNREACH', 23, 113], ['EIDRM', 24, 43], ['EILSEQ', 25, 84], ['EINPROGRESS', 26, 115],
  ['EINTR', 27, 27], ['EINVAL', 28, 22], ['EIO', 29, 5], ['EISCONN', 30, 106], ['EISDIR', 31, 21],
  ['ELOOP', 32, 40], ['EMFILE', 33, 24], ['EMLINK', 34, 31], ['EMSGSIZE', 35, 90],
  ['ENAMETOOLONG', 37, 36], ['ENETDOWN', 38, 100], ['ENETRESET', 39, 102], ['ENETUNREACH', 40, 101],
  ['ENFILE', 41, 23], ['ENOBUFS', 42, 105], ['ENODEV', 43, 19], ['ENOENT', 44, 2], ['ENOEXEC', 45, 8],
  ['ENOLCK', 46, 37], ['ENOLINK', 47, 67], ['ENOMEM', 48, 12], ['ENOMSG', 49, 42], ['ENOPROTOOPT', 50, 92],
  ['ENOSPC', 51, 28], ['ENOSYS', 52, 38], ['ENOTCONN', 53, 107], ['ENOTDIR', 54, 20], ['ENOTEMPTY', 55, 39],
  ['ENOTRECOVERABLE', 56, 131], ['ENOTSOCK', 57, 88], ['ENOTSUP', 58, 95], ['ENOTTY', 59, 25],
  ['ENXIO', 60, 6], ['EOVERFLOW', 61, 75], ['EOWNERDEAD', 62, 130], ['EPERM', 63, 1], ['EPIPE', 64, 32],
  ['EPROTO', 65, 71], ['EPROTONOSUPPORT', 66, 93], ['EPROTOTYPE', 67, 91], ['ERANGE', 68, 34],
  ['EROFS', 69, 30], ['ESPIPE', 70, 29], ['ESRCH', 71, 3], ['ESTALE', 72, 116], ['ETIMEDOUT', 73, 110],
  ['ETXTBSY', 74, 26], ['EXDEV', 75, 18],
];

const toLinux = new Map<number, number>(TABLE.map(([, em, linux]) => [em, linux]));
const byName = new Map<string, number>(TABLE.map(([n, em]) => [n, em]));

/** Emscripten errno -> the number MicroPython boards use. Unknown numbers pass through. */
export function linuxErrno(emscripten: number): number {
  return toLinux.get(emscripten) ?? emscripten;
}

/** node:fs error code ('ENOENT') -> Emscripten errno, for errors thrown inside the filesystem backend. */
export function emscriptenErrno(code: string | undefined): number {
  return (code && byName.get(code)) || byName.get('EIO')!;
}

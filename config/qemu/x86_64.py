# SPDX-License-Identifier: GPL-2.0
#
# kunit.py --qemu_config for the x86_64 build booted 4-level: '-cpu max'
# without LA57, so the p4d is folded at boot. Unlike kunit.py's default CPU
# it has 1 GiB pages (pdpe1gb), which the 1 GiB hugetlb selftests need;
# 3 GiB leave room for the 1 GiB vmalloc() case and a 1 GiB hugetlb page.
# tools/ptwalk/ boots the selftests guest with the same parameters.
#
# Without ERMS (erms=off, on every x86_64 geometry): TCG runs 'rep stosb'
# one byte per iteration, so clear_page_erms() made a fault of the 1 GiB
# hugetlb page cost 2.2 s of the guest's time (a kernel build beside it);
# without ERMS the kernel clears and copies pages 8 bytes at a time, and
# the same fault took 0.5 s. Nothing ptwalk checks depends on it.

from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='x86_64',
			   kconfig='''
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y''',
			   qemu_arch='x86_64',
			   kernel_path='arch/x86/boot/bzImage',
			   kernel_command_line='console=ttyS0',
			   extra_qemu_params=['-bios', 'qboot.rom',
					      '-cpu', 'max,la57=off,erms=off', '-m', '3G'])

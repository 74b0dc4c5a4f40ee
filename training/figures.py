"""Figures people look at: scan paths drawn over images with their completions, and learning curves."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def paths_and_completions(images, positions, partial_scans, completions, titles=None, path=None, error_map=False) -> bytes:
    """Rows: target with the scan path over it, the partial scan, the completion (and with `error_map`, completion minus
    target on a diverging scale from -1 to 1). Returns PNG bytes (and writes `path`)."""
    n = len(images)
    rows = 4 if error_map else 3
    fig, axes = plt.subplots(rows, n, figsize=(2.2 * n, 2.2 * rows), squeeze=False)
    for i in range(n):
        pos = np.asarray(positions[i]).reshape(-1, 2)
        axes[0, i].imshow(images[i], cmap='gray', vmin=-1, vmax=1)
        axes[0, i].plot(pos[:, 1], pos[:, 0], '-', color='tab:orange', lw=0.8)
        axes[0, i].plot(pos[0, 1], pos[0, 0], 'o', color='tab:green', ms=3)
        axes[0, i].set_xlim(-0.5, images[i].shape[1] - 0.5)
        axes[0, i].set_ylim(images[i].shape[0] - 0.5, -0.5)
        scan = np.where(partial_scans[i][..., 1] > 0, partial_scans[i][..., 0], np.nan)
        axes[1, i].set_facecolor('#1f3b57')  # unscanned pixels
        axes[1, i].imshow(scan, cmap='gray', vmin=-1, vmax=1)
        axes[2, i].imshow(completions[i], cmap='gray', vmin=-1, vmax=1)
        if error_map:
            axes[3, i].imshow(np.asarray(completions[i]) - np.asarray(images[i]), cmap='RdBu_r', vmin=-1, vmax=1)
        if titles is not None:
            axes[0, i].set_title(titles[i], fontsize=8)
    for ax, label in zip(axes[:, 0], ('target + path', 'partial scan', 'completion', 'error')):
        ax.set_ylabel(label)
    for ax in axes.ravel():
        ax.set_xticks([]), ax.set_yticks([])
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=90)
    if path is not None:
        fig.savefig(path, dpi=110)
    plt.close(fig)
    return buf.getvalue()


def learning_curves(curves: dict, path, key='generator_mse', window=25, ylabel='generator MSE (training batches)'):
    """curves: {label: {'iteration': [...], key: [...]}} -> one plot with a moving average per label."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, c in curves.items():
        it, v = np.asarray(c['iteration']), np.asarray(c[key], float)
        if len(v) == 0:
            continue
        w = max(1, min(window, len(v) // 5))
        smooth = np.convolve(v, np.ones(w) / w, mode='valid')
        ax.plot(it[w - 1 :], smooth, label=label)
    ax.set_xlabel('iteration')
    ax.set_ylabel(ylabel)
    ax.set_yscale('log')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def policies_side_by_side(images, positions: dict, completions: dict, path) -> None:
    """One column per image; for each policy a row of its path over the image and a row of its completion."""
    n, names = len(images), list(positions)
    fig, axes = plt.subplots(2 * len(names), n, figsize=(2.0 * n, 4.0 * len(names)), squeeze=False)
    for r, name in enumerate(names):
        for i in range(n):
            pos = np.asarray(positions[name][i]).reshape(-1, 2)
            axes[2 * r, i].imshow(images[i], cmap='gray', vmin=-1, vmax=1)
            axes[2 * r, i].plot(pos[:, 1], pos[:, 0], '-', color='tab:orange', lw=0.8)
            axes[2 * r, i].set_xlim(-0.5, images[i].shape[1] - 0.5)
            axes[2 * r, i].set_ylim(images[i].shape[0] - 0.5, -0.5)
            mse = float(np.mean((completions[name][i] - images[i]) ** 2))
            axes[2 * r + 1, i].imshow(completions[name][i], cmap='gray', vmin=-1, vmax=1)
            axes[2 * r + 1, i].set_title(f'MSE {mse:.4f}', fontsize=7)
        axes[2 * r, 0].set_ylabel(f'{name}: path', fontsize=8)
        axes[2 * r + 1, 0].set_ylabel('completion', fontsize=8)
    for ax in axes.ravel():
        ax.set_xticks([]), ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def deployable_room(points: dict, oracle_ratio: float, path) -> None:
    """Left: held-out regret of the ERD policy and of a random choice against labelled training images; right: the ERD
    policy's MSE / the spiral's (95 % intervals) against the same, with the clairvoyant greedy policy's ratio."""
    n = np.array([int(k) for k in points])
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    left.plot(n, [p['regret'] for p in points.values()], 'o-', label='ERD policy')
    left.plot(n, [p['random_regret'] for p in points.values()], 's--', color='grey', label='random valid candidate')
    left.set_ylabel('held-out regret (excess MSE of the choice)')
    ratio = np.array([p['erd_greedy']['ratio'] for p in points.values()])
    low, high = np.array([p['erd_greedy']['ratio_interval95'] for p in points.values()]).T
    right.errorbar(n, ratio, yerr=[ratio - low, high - ratio], fmt='o-', capsize=3, label='ERD greedy')
    right.axhline(1.0, color='black', lw=0.8, label='spiral (same generator)')
    right.axhline(oracle_ratio, color='tab:green', ls=':', label='clairvoyant greedy')
    right.set_ylabel('MSE / spiral')
    for ax in (left, right):
        ax.set_xscale('log')
        ax.set_xticks(n, [str(v) for v in n])
        ax.minorticks_off()
        ax.set_xlabel('labelled training images')
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

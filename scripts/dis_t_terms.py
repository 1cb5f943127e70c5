"""Where does Dis_t lose accuracy on D_u? Isolated Dis_t phases with subsets of its objective's terms.

For each fold, Dis_t starts as the Base network of a finished Image2Audio run (its `model.safetensors`, seed 0) and takes
`--steps` updates of `dis_t_phase` (the run's recipe: Adam at dis_lr, SpecAugment, real-only batch norm) on S1 (labelled)
and S2+S3 (unlabelled), keeping only some terms of the objective (paper §2.4, last equation): `lab` (E_{D_t} log P(y|x)),
`real` (E_{D_u} log P(y<K+1|x)), `ent` (E_{D_u} Σ_k P(k|x) log P(k|x)) and `gen` (E_{D_g} log P(K+1|x)) with D_g = 400
translations of CK+48 faces by that run's final translator ('good') or by an untrained one ('bad'). It prints Dis_t's
accuracy on D_u (hidden labels, a diagnostic: nothing is chosen on S4, which this script never reads).

    python scripts/dis_t_terms.py --runs-root runs/cv --folds 1 2 --ravdess-dir /path/to/ravdess \
        --face-dirs /path/to/ckplus48
    python scripts/dis_t_terms.py --runs-root runs/cv --folds 0 1 --dataset synthetic   # its own face pool
"""
import argparse, json
from pathlib import Path
import numpy as np, torch
from safetensors.torch import load_file
import img2audio.image2audio as i2a
from img2audio.runs import load_experiment_data, run_split
from img2audio.corpora import research_data
from img2audio.base import SpecCNN, predict
from img2audio.translator import Translator

VARIANTS = [('lab', ['lab'], None), ('lab+real', ['lab', 'real'], None), ('lab+ent', ['lab', 'ent'], None),
            ('lab+gen(good)', ['lab', 'gen'], 'good'), ('lab+gen(bad)', ['lab', 'gen'], 'bad'),
            ('all(good)', ['lab', 'real', 'ent', 'gen'], 'good'), ('all(bad)', ['lab', 'real', 'ent', 'gen'], 'bad'),
            ('all but ent(good)', ['lab', 'real', 'gen'], 'good')]


def fold_rows(data, run:Path, fold:int, steps:int)->dict:
    "D_u accuracy of the Base network and after each variant's isolated Dis_t phase."
    K, X, Y = len(data.classes), data.specs, data.labels.numpy()
    sp = run_split(data, dict(seed=0, fold=fold))
    s1, du = sp['S1'], np.r_[sp['S2'], sp['S3']]
    c = i2a.Image2AudioConfig.from_cfg(json.loads((run / 'config.json').read_text())['params'])
    base = SpecCNN(K)
    base.load_state_dict(load_file(str(run / 'model.safetensors')))
    sizes = dict(latent=c.latent, hidden=c.hidden, channels=c.channels, dis_t_channels=c.dis_channels)
    good, bad = Translator(K, **sizes), Translator(K, **sizes)
    good.load_state_dict(load_file(str(run / 'model_i2a.safetensors')))
    faces, _ = i2a._pool_faces(data)
    pick = np.random.default_rng(0).choice(len(faces), min(400, len(faces)), replace=False)
    Dg = {'good': i2a._translate(good.eval(), faces[pick], 'cpu'), 'bad': i2a._translate(bad.eval(), faces[pick], 'cpu')}
    acc = lambda net: round(float((predict(net, X[du])[:, :K].argmax(1).numpy() == Y[du]).mean()), 3)
    out = {'Base network': acc(base)}
    for name, terms, dg in VARIANTS:
        torch.manual_seed(0)
        dis_t = i2a.warm_start_dis_t(SpecCNN(K + 1), base)
        opt = torch.optim.Adam(dis_t.parameters(), lr=c.dis_lr, betas=(0.5, 0.999))
        pc = i2a.Image2AudioConfig(ablation='no_high_no_rel', dis_steps=steps)
        Xg = Dg[dg] if dg else X[:0]
        sets = i2a.DisTSets(X[s1], Y[s1], np.full(len(s1), -1), X[s1][:0], np.zeros(0, np.int64), X[du],
                            np.full(len(du), -1), Xg)
        i2a.dis_t_phase(dis_t, opt, pc, sets, None, torch.Generator().manual_seed(0), 'cpu',
                        weights=i2a.TermWeights.only(*terms))
        out[name] = acc(dis_t)
        print(f'fold {fold} {name}: D_u accuracy {out[name]}', flush=True)
    return out


def main():
    a = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument('--runs-root', required=True, help='root of finished run_table1.py runs (<dataset>-unpaired-all-f{F}-s0)')
    a.add_argument('--dataset', default='ravdess', choices=['ravdess', 'synthetic'])
    a.add_argument('--folds', nargs='+', type=int, default=[1, 2])
    a.add_argument('--steps', type=int, default=120, help='Dis_t updates (the cpu schedule: 4 rounds × 30)')
    a.add_argument('--ravdess-dir', default=research_data('ravdess_speech'), help='default: $IMG2AUDIO_DATA/ravdess_speech')
    a.add_argument('--face-dirs', default=research_data('ckplus48'), help='default: $IMG2AUDIO_DATA/ckplus48')
    args = a.parse_args()
    torch.set_num_threads(1)
    real = args.dataset == 'ravdess'
    data = (load_experiment_data('ravdess', data_dir=args.ravdess_dir, face_dirs=[args.face_dirs]) if real
            else load_experiment_data('synthetic'))   # the runs' defaults: 24 actors, corpus seed 0, synthetic face pool
    root = Path(args.runs_root)
    rows = {f: fold_rows(data, root / f'{args.dataset}-unpaired-all-f{f}-s0', f, args.steps) for f in args.folds}
    print(json.dumps(rows, indent=1))


if __name__ == '__main__': main()

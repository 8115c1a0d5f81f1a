#!/usr/bin/env bash
# Paper 000's 10^4-loop dataset as a Slurm job array: 8 array tasks each simulate one shard
# (structures with index = task mod 8) on their own node or cores, and task 0 merges the shards
# into sweep.npz + sweep.json, the bytes that one machine running the whole sweep would write.
#
#   sbatch examples/slurm/sweep_array.sh
#
# ferrolab links no MPI library: `--shard auto` reads the task's place from Slurm's variables
# (SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_MIN/MAX, or COUNT) and the tasks share nothing but
# the file system, so the working directory must be on a file system every node sees.
# The same command works under `srun` (SLURM_PROCID/SLURM_NTASKS), `mpirun`/`mpiexec` of Open
# MPI or MPICH (OMPI_COMM_WORLD_RANK/SIZE, PMI_RANK/PMI_SIZE) and PMIx launchers; e.g. one job
# of 8 tasks instead of an array:
#
#   srun --ntasks=8 --cpus-per-task=4 ferrolab simulate --sweep --shard auto --out sweep
#
#SBATCH --job-name=ferrolab-sweep
# An evenly spaced array (0-7, 1-8 or 0-14:2 all give 8 shards); its size is the shard count.
#SBATCH --array=0-7
#SBATCH --ntasks=1
# Each task simulates its structures on all the cores it is given (no thread setting needed:
# ferrolab uses the CPUs of its allocation).
#SBATCH --cpus-per-task=4
# About 1.6 h for the whole grid on 2 cores (benches/README.md), so 10^4 / 8 loops on 4 cores
# take about 10 min; task 0 also waits for the others (see --shard-timeout below).
#SBATCH --time=01:00:00
#SBATCH --output=ferrolab-sweep-%A_%a.log

set -euo pipefail

# Every task writes sweep.shard-I-of-8.npz/.json (checkpointing into sweep.shard-I-of-8.partial/
# while it runs: a requeued or resubmitted task resumes where it stopped). Task 0 then polls for
# the other shards, printing which ones it still waits for, and merges them into sweep.npz and
# sweep.json. A task whose run fails leaves sweep.shard-I-of-8.failed with its error, which ends
# task 0's wait at once; a task that is killed leaves nothing, so task 0 gives up after
# --shard-timeout seconds with the command that finishes the job by hand:
#
#   ferrolab simulate --sweep --shard I/8 --out sweep.shard-I-of-8   # each missing shard
#   ferrolab merge sweep.shard-*-of-8.json --out sweep
#
# Array tasks need not run at the same time (a busy queue, or a throttle such as
# --array=0-7%2); task 0 then waits for the later ones, so give it a timeout and a --time
# long enough, or merge in a follow-up job that starts when every task has ended (afterany:
# task 0 may have given up waiting, which is then no error of the dataset):
#
#   jobid=$(sbatch --parsable examples/slurm/sweep_array.sh)
#   sbatch --dependency=afterany:$jobid --wrap \
#     "ferrolab merge sweep.shard-*-of-8.json --out sweep"
#
# Further --set options (the same in every task: shards of different settings do not merge)
# choose the sweep, e.g. --set sweep.levels=6 for 1296 loops; `ferrolab keys sweep.` lists them.
ferrolab simulate --sweep --shard auto --shard-timeout 2400 --out sweep

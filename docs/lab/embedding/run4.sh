#!/bin/sh
# $1 = worktree, $2 = tag
cd $1 && .venv/bin/python manage.py eval_match ../../work/shared/patterns --photo 3 --alteration market_photo --alteration market_photo+hue_90 --alteration jpeg_30 --alteration crop_70+jpeg_30 --rows /tmp/lab/rows_$2.jsonl --no-progress > /tmp/lab/eval_$2.txt 2>&1

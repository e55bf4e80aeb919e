# Reference cases for rglm.multinom (nnet::multinom at the exact MLE), beyond the shared ones.
# Run from the repository root:
#   Rscript tests/r/make_multinom_cases.R [MULTINOM_LIB] [OUTDIR]
# MULTINOM_LIB is the shared case library (default ../shared/r-reference/multinom/multinom_lib.R):
# nnet::multinom with tight control, polished by Newton steps on nnet's own information to the exact
# MLE, every figure then taken from nnet's methods, cross-checked with VGAM::vglm and brglm2.
# OUTDIR (default tests/data/multinom) gets data/*.csv and cases/*.json.  R 4.2.2, nnet 7.3-18.
args <- commandArgs(trailingOnly = TRUE)
lib <- if (length(args) >= 1) args[1] else "../shared/r-reference/multinom/multinom_lib.R"
out <- if (length(args) >= 2) args[2] else "tests/data/multinom"
source(lib)
dir.create(file.path(out, "data"), recursive = TRUE, showWarnings = FALSE)
dir.create(file.path(out, "cases"), recursive = TRUE, showWarnings = FALSE)

# ---- data ----------------------------------------------------------------------------------------
mt <- data.frame(gear = mtcars$gear, mpg = mtcars$mpg, hp = mtcars$hp, wt = mtcars$wt)
write_csv_exact(mt, file.path(out, "data", "mtcars.csv"))

set.seed(20261203)
n <- 40
grouped <- data.frame(x = round(runif(n, -2, 2), 3), site = sample(c("east", "north", "west"), n, replace = TRUE))
eta <- cbind(0, 0.4 + 0.7 * grouped$x, -0.3 - 0.5 * grouped$x + 0.6 * (grouped$site == "west"),
             0.1 + 0.2 * grouped$x - 0.4 * (grouped$site == "north"))
P <- exp(eta) / rowSums(exp(eta))
size <- sample(5:40, n, replace = TRUE)
Y <- t(sapply(seq_len(n), function(i) rmultinom(1, size[i], P[i, ])))
grouped$fish <- Y[, 1]; grouped$invert <- Y[, 2]; grouped$reptile <- Y[, 3]; grouped$bird <- Y[, 4]
write_csv_exact(grouped, file.path(out, "data", "grouped_counts.csv"))

n <- 250
bin <- data.frame(x1 = round(rnorm(n), 3), x2 = round(rexp(n), 3),
                  keep = sample(c("yes", "no"), n, replace = TRUE, prob = c(0.8, 0.2)),
                  w = sample(1:3, n, replace = TRUE))
bin$bought <- runif(n) < plogis(-0.3 + 0.9 * bin$x1 - 0.5 * bin$x2)
write_csv_exact(bin, file.path(out, "data", "binary_bool.csv"))

n <- 200
fruit <- data.frame(x = round(rnorm(n), 3), g = sample(c("a", "b", "c"), n, replace = TRUE))
eta <- cbind(0, 0.5 * fruit$x + 0.4 * (fruit$g == "b"), -0.6 * fruit$x + 0.8 * (fruit$g == "c") - 0.2)
P <- exp(eta) / rowSums(exp(eta))
fruit$kind <- c("apple", "banana", "cherry")[apply(P, 1, function(p) sample(1:3, 1, prob = p))]
fruit$z <- round(fruit$x + 2 * (fruit$g == "b"), 3)       # z = x + 2 * [g == b]: aliased with x and g
write_csv_exact(fruit, file.path(out, "data", "fruit.csv"))

single <- data.frame(y = rep("only", 12), x = round(seq(-1, 1, length.out = 12), 3))
write_csv_exact(single, file.path(out, "data", "one_level.csv"))

hs <- data.frame(Sat = as.character(MASS::housing$Sat), Infl = as.character(MASS::housing$Infl),
                 Type = as.character(MASS::housing$Type), Cont = as.character(MASS::housing$Cont),
                 Freq = MASS::housing$Freq)
write_csv_exact(hs, file.path(out, "data", "housing.csv"))

# ---- cases ---------------------------------------------------------------------------------------
lvl3 <- list(levels = I(c("Low", "Medium", "High")), ordered = FALSE)
specs <- list(
  list(id = "housing_relevel_high", data = "housing", dataname = "housing",
       r_formula = 'relevel(Sat, ref = "High") ~ Infl + Cont', py_formula = "relevel(Sat, ref='High') ~ Infl + Cont",
       weights = "Freq", categorical = list(Sat = lvl3, Infl = lvl3, Cont = list(levels = I(c("Low", "High")), ordered = FALSE)),
       description = "MASS::housing: relevel() makes High the baseline; the other levels keep the Categorical's order",
       newdata = data.frame(Infl = c("Low", "High"), Cont = c("High", "Low")),
       anova = list(r_formula = 'relevel(Sat, ref = "High") ~ Infl', py_formula = "relevel(Sat, ref='High') ~ Infl",
                    position = "after")),
  list(id = "mtcars_gear_codes", data = "mtcars", dataname = "mtcars",
       r_formula = "gear ~ mpg + hp", py_formula = "gear ~ mpg + hp",
       description = "datasets::mtcars: integer-coded response gear 3/4/5 (baseline 3) on mpg and hp; anova against gear ~ mpg",
       newdata = data.frame(mpg = c(15, 21, 30), hp = c(200, 110, 70)),
       anova = list(r_formula = "gear ~ mpg", py_formula = "gear ~ mpg", position = "after")),
  list(id = "grouped_cbind_counts", data = "grouped_counts", dataname = "grouped",
       r_formula = "cbind(fish, invert, reptile, bird) ~ x + site",
       py_formula = "cbind(fish, invert, reptile, bird) ~ x + site",
       description = "generated (seed 20261203): a count matrix over four categories (cbind, baseline fish) on a numeric and a factor",
       newdata = data.frame(x = c(-1, 0.5, 1.8), site = c("east", "north", "west"))),
  list(id = "grouped_cbind_two_columns", data = "grouped_counts", dataname = "grouped",
       r_formula = "cbind(fish, invert) ~ x", py_formula = "cbind(fish, invert) ~ x",
       description = "generated: a two-column count matrix (nnet prints a one-row matrix, not the two-class table)",
       newdata = data.frame(x = c(-1, 0.5, 1.8)),
       anova = list(r_formula = "cbind(fish, invert) ~ 1", py_formula = "cbind(fish, invert) ~ 1", position = "before")),
  list(id = "binary_bool_subset_weights", data = "binary_bool", dataname = "bin",
       r_formula = "bought ~ x1 + x2", py_formula = "bought ~ x1 + x2", weights = "w",
       subset_r = 'keep == "yes"', subset_py = list(column = "keep", equals = "yes"),
       description = "generated: a logical response (two classes, nnet's one-unit printout), integer case weights, a subset",
       newdata = data.frame(x1 = c(-1, 0, 2), x2 = c(0.2, 1, 3))),
  list(id = "fruit_no_intercept", data = "fruit", dataname = "fruit",
       r_formula = "kind ~ g + x - 1", py_formula = "kind ~ g + x - 1",
       description = "generated: a text response (apple baseline), no intercept, so g has a full set of indicators",
       newdata = data.frame(x = c(-1, 0, 1.5), g = c("a", "b", "c"))),
  list(id = "fruit_aliased", data = "fruit", dataname = "fruit", kind = "aliased",
       r_formula = "kind ~ x + g + z", py_formula = "kind ~ x + g + z", r_formula_reduced = "kind ~ x + g",
       aliased = "z",
       description = "generated: z = x + 2 [g == b] is aliased with x and g; its coefficients are NA (as glm/brmultinom report them)"),
  list(id = "one_level_error", data = "one_level", dataname = "single", kind = "error_fit",
       r_formula = "y ~ x", py_formula = "y ~ x",
       description = "a response with a single level: R refuses (need two or more classes)"),
  list(id = "fruit_unseen_level_error", data = "fruit", dataname = "fruit", kind = "error_predict",
       r_formula = "kind ~ x + g", py_formula = "kind ~ x + g",
       description = "predict on newdata with a level of g not seen in fitting: R refuses",
       newdata = data.frame(x = c(0, 1), g = c("a", "d")))
)
for (s in specs) multinom_case(s, out)

# A two-column count matrix: nnet prints it as a one-row matrix, not the two-class table that the
# case's "is_binomial" (K == 2) announces, so the shared checker cannot read R's own printout.  The
# case goes to layout/ (read by tests/test_multinom.py, not by the shared checker).
dir.create(file.path(out, "layout"), showWarnings = FALSE)
for (id in c("grouped_cbind_two_columns")) {
  file.rename(file.path(out, "cases", paste0(id, ".json")), file.path(out, "layout", paste0(id, ".json")))
}

# More proportional-odds reference cases for rglm.polr (MASS::polr at the exact MLE), beside the
# shared ones copied into tests/data/r_polr: every method, case weights (whole and fractional), a
# subset, an unordered Categorical response in a non-sorted order, an interaction, and refusals.
# Run: Rscript tests/r/make_polr_cases.R   (writes tests/data/r_polr/{data,cases})
# polr_lib.R (beside this script) is the shared reference helper: clm's exact MLE, MASS's methods
# evaluated there with the exact Hessian, MASS's profile intervals and their exact roots.
here <- local({
  a <- grep("^--file=", commandArgs(FALSE), value = TRUE)
  if (length(a)) dirname(normalizePath(sub("^--file=", "", a[1]))) else getwd()
})
source(file.path(here, "polr_lib.R"))
out <- file.path(here, "..", "data", "r_polr")
dir.create(file.path(out, "data"), recursive = TRUE, showWarnings = FALSE)
dir.create(file.path(out, "cases"), recursive = TRUE, showWarnings = FALSE)

# ---- data ----------------------------------------------------------------------------------------
set.seed(20261203)
n <- 300
sim <- data.frame(x1 = round(rnorm(n), 3), x2 = round(runif(n, -1, 1), 3),
                  g = sample(c("north", "south", "east", "west"), n, replace = TRUE))
lat <- 0.8 * sim$x1 - 0.6 * sim$x2 + c(north = 0, south = 0.4, east = -0.3, west = 0.7)[sim$g] + rlogis(n)
sim$y <- c("bad", "ok", "good", "great")[as.integer(cut(lat, c(-Inf, -1, 0.2, 1.3, Inf)))]
sim$w <- round(runif(n, 0.2, 3), 2)
write_csv_exact(sim, file.path(out, "data", "sim.csv"))
lvl_y <- I(c("bad", "ok", "good", "great"))

# ---- cases ---------------------------------------------------------------------------------------
specs <- list(
  list(id = "sim_logistic_unordered_levels", data = "sim", dataname = "sim", method = "logistic",
       r_formula = "y ~ x1 + g", py_formula = "y ~ x1 + g",
       categorical = list(y = list(levels = lvl_y, ordered = FALSE)),
       description = paste("simulated: y an unordered Categorical whose categories are not sorted",
                           "(bad < ok < good < great); logistic; profile intervals; anova against y ~ x1"),
       newdata = data.frame(x1 = c(-1.2, 0, 0.8), g = c("east", "north", "west")),
       profile = TRUE,
       anova = list(r_formula = "y ~ x1", py_formula = "y ~ x1", position = "after")),
  list(id = "sim_cauchit", data = "sim", dataname = "sim", method = "cauchit",
       r_formula = "y ~ x1 + x2", py_formula = "y ~ x1 + x2",
       categorical = list(y = list(levels = lvl_y, ordered = TRUE)),
       description = "simulated, cauchit (exact tails; MASS clips its objective at +-100)",
       newdata = data.frame(x1 = c(-2, 0.5, 3), x2 = c(0.1, -0.9, 0.4))),
  list(id = "sim_loglog_fractional_weights", data = "sim", dataname = "sim", method = "loglog",
       r_formula = "y ~ x1 + x2 + g", py_formula = "y ~ x1 + x2 + g", weights = "w",
       categorical = list(y = list(levels = lvl_y, ordered = TRUE)),
       description = "simulated, loglog, fractional case weights w (nobs = sum of the weights); profile intervals",
       newdata = data.frame(x1 = c(0.3, -0.7), x2 = c(0.2, 0.8), g = c("south", "north")),
       profile = TRUE),
  list(id = "housing_sat_probit_subset", data = "housing", dataname = "housing", method = "probit",
       r_formula = "Sat ~ Infl + Type", py_formula = "Sat ~ Infl + Type", weights = "Freq",
       subset_r = 'Cont == "High"', subset_py = list(column = "Cont", equals = "High"),
       categorical = list(Sat = list(levels = I(c("Low", "Medium", "High")), ordered = TRUE)),
       description = "MASS::housing, probit, case weights Freq, the rows with Cont == 'High'; profile intervals",
       newdata = data.frame(Infl = c("Low", "High"), Type = c("Tower", "Terrace")),
       profile = TRUE),
  list(id = "warpbreaks_cloglog_interaction", data = "warpbreaks", dataname = "warpbreaks", method = "cloglog",
       r_formula = "tension ~ breaks * wool", py_formula = "tension ~ breaks * wool",
       categorical = list(tension = list(levels = I(c("L", "M", "H")), ordered = TRUE)),
       description = paste("datasets::warpbreaks, cloglog with a numeric-by-factor interaction (no profile:",
                           "MASS's own profile refits fail there with 'initial value in vmmin is not finite')"),
       newdata = data.frame(breaks = c(20, 40), wool = c("A", "B")),
       anova = list(r_formula = "tension ~ breaks + wool", py_formula = "tension ~ breaks + wool",
                    position = "before")),
  list(id = "error_two_levels", data = "warpbreaks", dataname = "warpbreaks", method = "logistic",
       r_formula = "wool ~ breaks", py_formula = "wool ~ breaks", kind = "error_fit",
       description = "a response with two levels: polr needs three or more"),
  list(id = "error_unseen_level", data = "sim", dataname = "sim", method = "probit",
       r_formula = "y ~ x1 + g", py_formula = "y ~ x1 + g", kind = "error_predict",
       categorical = list(y = list(levels = lvl_y, ordered = TRUE)),
       description = "predict for a level of g not seen in fitting",
       newdata = data.frame(x1 = c(0, 1), g = c("north", "up")))
)
for (s in specs) polr_case(s, out)

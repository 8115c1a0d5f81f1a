# Ferrolab.jl against the built library (FERROLAB_LIB, else target/release):
#   cargo build --release && julia --project=bindings/julia/Ferrolab -e 'using Pkg; Pkg.test()'
# Not run in CI (no Julia there); ffi/tests/julia_drift.rs checks the ccalls against the header.
using Test
using LinearAlgebra
using Ferrolab

# Columns are samples: a deterministic 2 x 6 design and 2 x 3 queries.
const X = [0.0 0.5 1.0 1.5 2.0 2.5;
           0.0 -0.3 0.2 0.1 -0.4 0.6]
const XQ = [0.25 1.1 2.2;
            0.1 -0.2 0.3]

@testset "Ferrolab" begin
    @testset "library" begin
        @test Ferrolab.abi_version() == 1
        @test Ferrolab.version() == "0.1.0"
        @test Ferrolab.status_str(0) == "ok"
    end

    @testset "config round trip" begin
        cfg = Ferrolab.Config()
        Ferrolab.set!(cfg, "pf.grain_diameter_nm", 10.0)
        Ferrolab.set!(cfg, "pf.seed", 12)
        Ferrolab.set!(cfg, "gp.length_scale", [0.5, 2.0])
        @test Ferrolab.get_f64(cfg, "pf.grain_diameter_nm") == 10.0
        @test Ferrolab.get_i64(cfg, "pf.seed") == 12
        @test Ferrolab.get_array(cfg, "gp.length_scale", Float64) == [0.5, 2.0]
        err = try
            Ferrolab.set!(cfg, "pf.polar_fraction", 2.0)
            nothing
        catch e
            e
        end
        @test err isa Ferrolab.FerrolabError
        @test err.status == -7 && occursin("pf.polar_fraction", err.message)
        Ferrolab.reset!(cfg, "pf.grain_diameter_nm")
        @test Ferrolab.get_f64(cfg, "pf.grain_diameter_nm") == 16.2
        @test "pf.seed" in Ferrolab.keys()
        @test occursin("unit nm", Ferrolab.describe("pf.cell_size_nm"))
    end

    @testset "GP fit and predict (d x n)" begin
        cfg = Ferrolab.Config()
        Ferrolab.set!(cfg, "gp.optimize", 0)
        Ferrolab.set!(cfg, "gp.signal_variance", 1.3)
        Ferrolab.set!(cfg, "gp.length_scale", [0.7])
        y = reshape(sin.(X[1, :]) .+ 0.5 .* X[2, :], 1, :)
        gp = Ferrolab.GaussianProcess(X, y, cfg)
        @test Ferrolab.gp_shape(gp) == (2, 1)
        mean, sd = Ferrolab.predict(gp, XQ)
        @test size(mean) == size(sd) == (1, 3)
        # The posterior of an RBF kernel with noise 0.005 (the default) and jitter 1e-10, here.
        k(a, b) = 1.3 * exp(-sum(abs2, a - b) / (2 * 0.7^2))
        K = [k(X[:, i], X[:, j]) for i in 1:6, j in 1:6] + (0.005 + 1e-10) * I
        ks = [k(X[:, i], XQ[:, j]) for i in 1:6, j in 1:3]
        @test vec(mean) ≈ ks' * (K \ vec(y)) rtol = 1e-9
        @test vec(sd) ≈ sqrt.(1.3 + 0.005 .- diag(ks' * (K \ ks))) rtol = 1e-7
        @test Ferrolab.hyperparameters(gp).length_scales == [0.7]
    end

    @testset "phase-field loop and its features" begin
        cfg = Ferrolab.Config()
        Ferrolab.set!(cfg, "pf.cells_width", 32)
        Ferrolab.set!(cfg, "pf.points", 40)
        Ferrolab.set!(cfg, "pf.hold_steps", 10)
        v, p = Ferrolab.simulate_loop(cfg)
        @test length(v) == length(p) == 40
        @test v[1] == -4.0 && abs(v[21] - 4.0) < 1e-12
        f = Ferrolab.loop_features(v, p, 10e-9)
        # Shoelace area of the closed polygon, computed here.
        area = 0.5 * abs(sum(v .* circshift(p, -1)) - sum(circshift(v, -1) .* p))
        @test abs(f[4] - area) < 1e-12 * max(1.0, area)
        @test f[3] ≈ (p[21] - p[1]) / 2 atol = 1e-15
        @test_throws Ferrolab.FerrolabError Ferrolab.loop_features(v, p, -1.0)
    end

    @testset "analysis takes features x samples" begin
        # 6 features x 40 samples, deterministic and of full rank.
        x = [sin(0.37 * i * j + j) + 0.1 * i for i in 1:6, j in 1:40]
        comps, var, scores = Ferrolab.pca(x, 3)
        @test size(comps) == (6, 3) && size(scores) == (3, 40)
        centred = x .- sum(x, dims=2) ./ 40
        f = svd(centred)
        for c in 1:3
            @test abs(abs(dot(comps[:, c], f.U[:, c])) - 1) < 1e-10
        end
        @test var ≈ f.S[1:3] .^ 2 ./ 39 rtol = 1e-11
        @test scores ≈ comps' * centred atol = 1e-10
        # An adjoint (n x d data viewed as d x n) is accepted and gives the same result.
        @test Ferrolab.pca(permutedims(x)', 3).explained_variance ≈ var

        w, h, err = Ferrolab.nmf(x .+ 2.0, 2)
        @test size(w) == (6, 2) && size(h) == (2, 40)
        @test err ≈ norm(x .+ 2.0 - w * h) rtol = 1e-9

        r = Ferrolab.pearson_matrix(x[1:2, :], x[3:5, :])
        cor(a, b) = dot(a .- sum(a) / length(a), b .- sum(b) / length(b)) /
                    (norm(a .- sum(a) / length(a)) * norm(b .- sum(b) / length(b)))
        @test size(r) == (2, 3)
        @test r ≈ [cor(x[i, :], x[j, :]) for i in 1:2, j in 3:5] atol = 1e-14

        # Two groups of 20 far apart: k-means and the mixture find them.
        g = hcat(x[1:2, 1:20], x[1:2, 21:40] .+ 12.0)
        centres, labels, inertia = Ferrolab.kmeans(g, 2)
        @test all(==(labels[1]), labels[1:20]) && all(==(labels[21]), labels[21:40]) && labels[1] != labels[21]
        @test inertia ≈ sum(abs2, g - centres[:, labels]) rtol = 1e-9
        weights, means, covs, glabels, _ = Ferrolab.gmm(g, 2)
        @test sum(weights) ≈ 1 atol = 1e-12
        @test means[:, glabels[1]] ≈ sum(g[:, 1:20], dims=2)[:] ./ 20 atol = 1e-6
        @test size(covs) == (2, 2, 2) && covs[:, :, 1] ≈ covs[:, :, 1]'
    end

    @testset "manifold learning takes features x samples" begin
        # Three groups of 10 in 4-D, far apart; an embedding keeps them.
        x = hcat([[sin(1.3 * i + j) + 8.0 * g for j in 1:4, i in 1:10] for g in 0:2]...)
        y, kl = Ferrolab.tsne(x, 2, let c = Ferrolab.Config(); Ferrolab.set!(c, "tsne.perplexity", 5.0); c end)
        @test size(y) == (2, 30) && isfinite(kl)
        @test Ferrolab.trustworthiness(x, y, 5) > 0.9
        m, stress = Ferrolab.mds(x)
        dist(a) = [norm(a[:, i] - a[:, j]) for i in 1:30, j in 1:30]
        @test stress ≈ sum(abs2, dist(m) - dist(x)) / 2 rtol = 1e-9
        e, err = Ferrolab.isomap(x, 1, let c = Ferrolab.Config(); Ferrolab.set!(c, "isomap.n_neighbors", 12); c end)
        @test size(e) == (1, 30) && err >= 0
        @test Ferrolab.trustworthiness(x, x, 5) ≈ 1.0
        @test_throws ArgumentError Ferrolab.trustworthiness(x, y[:, 1:29], 5)
    end

    @testset "U-Net on height x width crops" begin
        # 8 crops of 16 x 16 with a bright square (class 1) at a place of its own.
        images = fill(0.1, 16, 16, 8)
        masks = zeros(UInt8, 16, 16, 8)
        for k in 1:8
            r, c = 2 + k, 10 - k ÷ 2
            images[r:r+3, c:c+4, k] .= 0.9
            masks[r:r+3, c:c+4, k] .= 1
        end
        cfg = Ferrolab.Config()
        for (key, value) in (("unet.classes", 2), ("unet.filters", 2), ("unet.epochs", 2), ("unet.batch_size", 4),
                             ("unet.test_fraction", 0.0))
            Ferrolab.set!(cfg, key, value)
        end
        u = Ferrolab.Unet(cfg)
        epochs, losses = Ferrolab.train!(u, images, masks)
        @test epochs == 2 && length(losses) == 2 && all(isfinite, losses)
        s = Ferrolab.unet_shape(u)
        @test (s.classes, s.filters, s.crop_height, s.crop_width, s.epochs) == (2, 2, 16, 16, 2)
        @test Ferrolab.progress_info(u)[1:3] == (2, 2, 0)
        frame = images[:, :, 1][1:13, :]  # 13 x 16: not the crops' size
        p = Ferrolab.probabilities(u, frame)
        @test size(p) == (13, 16, 2) && eltype(p) == Float32
        @test all(abs.(sum(p, dims=3) .- 1) .< 1e-5)
        c = Ferrolab.segment(u, frame)
        @test size(c) == (13, 16) && c == UInt8.(p[:, :, 2] .> p[:, :, 1])
        atoms = Ferrolab.find_atoms(u, frame)
        @test size(atoms, 1) == 3 && all(1 .<= atoms[1, :] .<= 13) && all(atoms[3, :] .== 1)
        path = tempname() * ".safetensors"
        Ferrolab.save(u, path)
        again = Ferrolab.load_unet(path)
        @test Ferrolab.probabilities(again, frame) == p
        Ferrolab.set_checkpoint(u, nothing)
        Ferrolab.unet_cancel(u)  # allowed before a run
        @test_throws ArgumentError Ferrolab.train!(u, images[1:12, :, :], masks[1:12, :, :])
        @test_throws ArgumentError Ferrolab.train!(u, images, masks[:, :, 1:7])
        err = try
            Ferrolab.train!(u, images, masks .* UInt8(2))
            nothing
        catch e
            e
        end
        @test err isa Ferrolab.FerrolabError && err.status == -3 && occursin("unet.classes", err.message)
        @test occursin("unet.classes", Ferrolab.unet_last_error(u))
    end
end
